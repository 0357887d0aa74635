/// A connected, ordered byte stream: plain TCP (`TCPConnection`) or TLS over it (`TLSConnection`
/// in the TLS module). Code that only moves bytes (an HTTP server, a Redis client) is written
/// against this, so it serves or speaks TLS without knowing.
///
/// The contract is `TCPConnection`'s: one reader at a time, writers queued in call order,
/// `read` returns `[]` at the end of the stream, a timeout throws `SocketError.timedOut`
/// (a timed-out or cancelled write closes the stream), and every method may be called from any
/// task. Always `close()` a stream.
public protocol ByteStream: AnyObject, Sendable {
    /// The remote end.
    var peerAddress: SocketAddress { get }
    /// Reads up to `maxBytes`; `[]` at the end of the stream.
    func read(maxBytes: Int, timeout: Duration?) async throws -> [UInt8]
    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8], timeout: Duration?) async throws
    /// Ends the sending direction (TCP FIN; TLS sends close_notify first). Reading goes on.
    func shutdownWrite() async
    /// Closes both directions at once. Idempotent.
    func close()
}

extension TCPConnection: ByteStream {}
