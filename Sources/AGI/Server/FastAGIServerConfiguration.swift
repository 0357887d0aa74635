import Sockets

/// Where and for whom a `FastAGIServer` listens, and how many calls it takes at once.
public struct FastAGIServerConfiguration: Sendable {
    /// Listen addresses (IPv4 and/or IPv6; port 0 picks a free port).
    public var listen: [SocketAddress]
    /// Peers allowed to connect; others are closed right after accept, before any byte is read.
    /// FastAGI has no authentication of its own, so this is the access control.
    public var allowedClients: AllowList
    /// Concurrent sessions at most; connections beyond are closed at once with a log line.
    public var maxSessions: Int
    /// Per-session limits (line length, environment size and timeout, reply timeouts).
    public var limits: AGISessionLimits
    /// Listen backlog per address.
    public var backlog: Int32
    /// Run each session's task on the socket loop thread (`SocketLoopExecutor`) instead of the
    /// global pool: a command round trip then needs no thread switch. Handlers must not block
    /// or compute for long (they delay every call); set false for handlers that might.
    public var runSessionsOnSocketLoop: Bool

    public init(
        listen: [SocketAddress],
        allowedClients: AllowList = .loopback,
        maxSessions: Int = 20_000,
        limits: AGISessionLimits = AGISessionLimits(),
        backlog: Int32 = 4096,
        runSessionsOnSocketLoop: Bool = true
    ) {
        self.listen = listen
        self.allowedClients = allowedClients
        self.maxSessions = maxSessions
        self.limits = limits
        self.backlog = backlog
        self.runSessionsOnSocketLoop = runSessionsOnSocketLoop
    }
}
