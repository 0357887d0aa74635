/// Limits and timeouts that keep one slow or hostile client from holding resources.
///
/// Defaults suit an ops endpoint or a simulated provider on loopback; tests shrink the
/// timeouts to make slow-client cases fast.
public struct HTTPServerLimits: Sendable {
    /// Request line plus header fields; more is refused with 431 and the connection closed.
    public var maxHeadBytes: Int = 16 * 1024
    /// `Content-Length` above this is refused with 413 before the body is read.
    public var maxBodyBytes: Int = 1024 * 1024
    /// How long a kept-alive connection may sit idle between requests before the server
    /// closes it quietly. URLSession reuses connections, so this should not be tiny.
    public var idleTimeout: Duration = .seconds(30)
    /// How long a client has, from a request's first byte, to deliver its whole head and
    /// body (defeats slowloris-style dribbling). Answered with 408, then closed.
    public var requestTimeout: Duration = .seconds(10)
    /// Bound on writing one response; a client that does not read is dropped.
    public var writeTimeout: Duration = .seconds(10)
    /// Requests served on one connection before the server asks to close it.
    public var maxRequestsPerConnection: Int = 1000
    /// Connections served at once; further ones are closed right after accept.
    public var maxConnections: Int = 512
    /// Bound on a TLS handshake (https servers only); a client that stays silent or
    /// dribbles is dropped after it.
    public var handshakeTimeout: Duration = .seconds(10)

    public init() {}

    public init(
        maxHeadBytes: Int = 16 * 1024, maxBodyBytes: Int = 1024 * 1024, idleTimeout: Duration = .seconds(30),
        requestTimeout: Duration = .seconds(10), writeTimeout: Duration = .seconds(10),
        maxRequestsPerConnection: Int = 1000, maxConnections: Int = 512, handshakeTimeout: Duration = .seconds(10)
    ) {
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.writeTimeout = writeTimeout
        self.maxRequestsPerConnection = maxRequestsPerConnection
        self.maxConnections = maxConnections
        self.handshakeTimeout = handshakeTimeout
    }
}
