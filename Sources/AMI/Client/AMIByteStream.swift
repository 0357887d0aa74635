import Sockets
import TLS

/// The byte stream one manager connection runs over: plain TCP or TLS.
public protocol AMIByteStream: AnyObject, Sendable {
    /// Up to `maxBytes`; `[]` at the end of the stream.
    func read(maxBytes: Int, timeout: Duration?) async throws -> [UInt8]
    func write(_ bytes: [UInt8], timeout: Duration?) async throws
    /// Both directions at once; idempotent.
    func close()
}

extension TCPConnection: AMIByteStream {}
extension TLSConnection: AMIByteStream {}

/// Opens the byte stream for a configuration (TCP, or TCP then TLS).
public struct AMIConnector: Sendable {
    let open: @Sendable (AMIClientConfiguration) async throws -> any AMIByteStream

    public init(_ open: @escaping @Sendable (AMIClientConfiguration) async throws -> any AMIByteStream) {
        self.open = open
    }

    /// TCP, then TLS when the configuration has `tls` (the certificate is always verified:
    /// chain and name; there is no switch to turn that off).
    public static let tcp = AMIConnector { configuration in
        let tcp: TCPConnection
        do {
            tcp = try await TCPConnection.connect(to: configuration.address, timeout: configuration.connectTimeout)
        } catch let error as SocketError {
            throw AMIError(.unreachable, "cannot connect to the manager port \(configuration.address): \(error.reason)")
        }
        guard let tls = configuration.tls else { return tcp }
        let serverName = tls.serverName ?? "\(configuration.address.ip)"
        do {
            let context = try TLSClientContext(TLSClientConfiguration(trustedCAFile: tls.caFile))
            return try await TLSConnection.connect(tcp, context: context, serverName: serverName, timeout: configuration.connectTimeout)
        } catch let error as TLSError {
            tcp.close()
            throw AMIError(.tls, "manager port \(configuration.address): \(error.description)")
        }
    }
}
