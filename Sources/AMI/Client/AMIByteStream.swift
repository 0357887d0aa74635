import Sockets

/// The byte stream one manager connection runs over: plain TCP or TLS.
public protocol AMIByteStream: AnyObject, Sendable {
    /// Up to `maxBytes`; `[]` at the end of the stream.
    func read(maxBytes: Int, timeout: Duration?) async throws -> [UInt8]
    func write(_ bytes: [UInt8], timeout: Duration?) async throws
    /// Both directions at once; idempotent.
    func close()
}

extension TCPConnection: AMIByteStream {}

/// Opens the byte stream for a configuration (TCP, or TCP then TLS).
public struct AMIConnector: Sendable {
    let open: @Sendable (AMIClientConfiguration) async throws -> any AMIByteStream

    public init(_ open: @escaping @Sendable (AMIClientConfiguration) async throws -> any AMIByteStream) {
        self.open = open
    }

    /// Plain TCP. A configuration asking for TLS is refused rather than silently sent in clear.
    public static let tcp = AMIConnector { configuration in
        if configuration.tls != nil {
            throw AMIError(.tls, "TLS to the manager port is not available in this build")
        }
        do {
            return try await TCPConnection.connect(to: configuration.address, timeout: configuration.connectTimeout)
        } catch let error as SocketError {
            throw AMIError(.unreachable, "cannot connect to the manager port \(configuration.address): \(error.reason)")
        }
    }
}
