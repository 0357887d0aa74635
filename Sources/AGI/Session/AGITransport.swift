/// What an AGI session needs from a connection to Asterisk.
///
/// `TCPConnection` (module Sockets) conforms in `AGI/Server`; tests and the fake Asterisk
/// use an in-memory pair (module AGITesting). Reading is push-based so that a held call
/// costs no task while it waits: the transport calls `onReceive` with each chunk it reads.
public protocol AGITransport: AnyObject, Sendable {
    /// The peer for log lines, e.g. `127.0.0.1:50123`.
    var peerDescription: String { get }

    /// Starts delivering inbound bytes. Call once.
    ///
    /// `onReceive` is called for each chunk, in order, never concurrently with itself.
    /// `onClose` is called exactly once, after the last chunk: when the peer closed its side
    /// (EOF), when `close()` was called, or on an I/O error (passed as the argument).
    func startReceiving(
        onReceive: @escaping @Sendable (ArraySlice<UInt8>) -> Void,
        onClose: @escaping @Sendable ((any Error)?) -> Void
    )

    /// Writes all bytes, suspending while the peer's receive window is full.
    /// Throws once the transport is closed or the peer reset the connection.
    func send(_ bytes: [UInt8]) async throws

    /// Half-close (`shutdown(SHUT_WR)`): Asterisk answers with a last `HANGUP` line and closes.
    func shutdownWrite()

    /// Closes both directions. Idempotent; triggers `onClose` if it has not run yet.
    func close()
}
