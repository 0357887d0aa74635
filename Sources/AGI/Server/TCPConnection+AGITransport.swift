import Sockets

/// A TCP connection from Asterisk is an AGI transport: push-mode reads on the socket loop,
/// direct writes from the session's task.
extension TCPConnection: AGITransport {
    /// How long one command may wait for room in the send buffer. Asterisk reads its socket
    /// whenever it waits for a command, so a full buffer for this long means it is gone or stuck.
    static let agiSendTimeout: Duration = .seconds(30)

    public var peerDescription: String { peerAddress.description }

    public func send(_ bytes: [UInt8]) async throws {
        try await write(bytes, timeout: Self.agiSendTimeout)
    }
}
