/// Everything a `RedisClient` or `RedisSubscriber` needs to reach and log in to the server.
public struct RedisClientConfiguration: Sendable {
    public var endpoint: RedisEndpoint
    /// Every command's answer must arrive within this (`timeoutMilliseconds`, default 200 ms).
    public var timeout: Duration
    /// TCP connect + TLS handshake + AUTH/SELECT; default 1 s.
    public var connectTimeout: Duration
    /// Connections in the pool; each carries any number of pipelined commands.
    public var poolSize: Int
    public var backoff: ReconnectBackoff
    public var limits: RESPLimits
    /// Opens the TLS layer for `rediss://` (set by whoever links the TLS module, see
    /// `RedisTLSUpgrade`); nil = `rediss://` is refused with a clear error.
    public var tls: RedisTLSUpgrade?

    public init(endpoint: RedisEndpoint, timeout: Duration = .milliseconds(200), connectTimeout: Duration = .seconds(1),
                poolSize: Int = 4, backoff: ReconnectBackoff = ReconnectBackoff(), limits: RESPLimits = RESPLimits(),
                tls: RedisTLSUpgrade? = nil) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.poolSize = max(1, poolSize)
        self.backoff = backoff
        self.limits = limits
        self.tls = tls
    }
}

/// Turns a connected TCP stream into a TLS stream (handshake included, `serverName` verified).
/// A closure so this module does not depend on the TLS module's context types.
public struct RedisTLSUpgrade: Sendable {
    public let upgrade: @Sendable (_ tcp: any RedisByteStream, _ serverName: String, _ timeout: Duration) async throws -> any RedisByteStream

    public init(_ upgrade: @escaping @Sendable (_ tcp: any RedisByteStream, _ serverName: String, _ timeout: Duration) async throws -> any RedisByteStream) {
        self.upgrade = upgrade
    }
}

/// How long to wait before connecting again after failures: `initial`, doubling per failure up
/// to `maximum`, with up to ±`jitter` (fraction) so many servers do not reconnect in step.
public struct ReconnectBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    public var jitter: Double

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5), jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = min(max(jitter, 0), 0.5)
    }

    /// The pause after `failures` consecutive failed attempts (1 = the first failure).
    public func delay(afterFailures failures: Int, random: Double = Double.random(in: -1...1)) -> Duration {
        guard failures > 0 else { return .zero }
        var delay = initial
        for _ in 1..<min(failures, 32) {
            delay = delay * 2
            if delay >= maximum { delay = maximum; break }
        }
        delay = min(delay, maximum)
        return delay * (1 + jitter * min(max(random, -1), 1))
    }
}
