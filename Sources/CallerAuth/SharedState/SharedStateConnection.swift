import Foundation
import RESP
import StructuredLogging

/// Everything `sharedState` runs on one server: the pooled client, the store's health, the
/// shared rate limits and the shared verification store (with its subscription).
///
/// Built from the configuration by ``CallerAuthServer``; tests build it with their own clocks.
public final class SharedStateConnection: Sendable {
    public let settings: SharedStateSettings
    public let client: RedisClient
    public let health: SharedStateHealth
    public let rateLimits: RedisRateLimitStore
    public let verifications: RedisVerificationStore

    /// - Parameters:
    ///   - now: the wall clock of rate-limit windows and record retention (shared by all servers).
    ///   - localNow: the clock of this server's own fallback window.
    ///   - backoff, subscriberBackoff: pauses between reconnect attempts of the command pool and
    ///     of the subscription (tests use none for the pool, so a restarted store is used at once).
    /// - Throws: `TLSError` when the `rediss://` trust (`caFile`) cannot be loaded.
    public init(settings: SharedStateSettings, rateLimits limits: RateLimitSettings, retentionMinutes: Int, logger: Logger,
                serverID: String = UUID().uuidString.lowercased(), now: @escaping @Sendable () -> Date = { Date() },
                localNow: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
                backoff: ReconnectBackoff = ReconnectBackoff(), subscriberBackoff: ReconnectBackoff = ReconnectBackoff()) throws {
        self.settings = settings
        var configuration = try Self.clientConfiguration(settings)
        configuration.backoff = backoff
        client = RedisClient(configuration: configuration)
        health = SharedStateHealth(server: settings.endpoint.server, failureMode: settings.failureMode,
                                   logger: logger.with("component", "shared-state"))
        let hasher = KeyNameHasher(secret: settings.keySecret)
        let local = AuthenticationRateLimits(perCaller: limits.perCallerPer10Min, perNumber: limits.perNumberPer10Min, now: localNow)
        rateLimits = RedisRateLimitStore(client: client, keyPrefix: settings.keyPrefix, hasher: hasher,
                                         perCaller: limits.perCallerPer10Min, perNumber: limits.perNumberPer10Min,
                                         health: health, local: local, now: now)
        // The subscription gets its own connection settings: a longer command timeout (it only
        // sends SUBSCRIBE and PING) and the same login.
        var subscriberConfiguration = configuration
        subscriberConfiguration.timeout = max(configuration.timeout, .seconds(1))
        subscriberConfiguration.backoff = subscriberBackoff
        verifications = RedisVerificationStore(client: client, subscriberConfiguration: subscriberConfiguration,
                                               keyPrefix: settings.keyPrefix, retentionMinutes: retentionMinutes,
                                               health: health, logger: logger.with("component", "shared-state"),
                                               serverID: serverID, now: now)
    }

    /// The client settings for `settings` (TLS for `rediss://`).
    public static func clientConfiguration(_ settings: SharedStateSettings) throws -> RedisClientConfiguration {
        // Connecting includes TLS and AUTH: never given less than a second.
        RedisClientConfiguration(endpoint: settings.endpoint, timeout: settings.timeout, connectTimeout: max(.seconds(1), settings.timeout),
                                 tls: settings.endpoint.useTLS ? try SharedStateTLS.upgrade(caFile: settings.caFile) : nil)
    }

    /// Starts the subscription (other servers' events, relayed cancels).
    public func start() { verifications.start() }

    public func shutdown() async {
        await verifications.stop()
        client.shutdown()
    }

    /// PINGs the store now (readiness, `check-config`): nil when it answers, else why not.
    /// The outcome also updates ``health``, so a readiness probe notices recovery on an idle server.
    public func check() async -> String? {
        do {
            try await client.ping()
            health.succeeded()
            return nil
        } catch {
            health.failed(error, operation: "ping")
            return (error as? RedisError)?.reason ?? String(describing: error)
        }
    }
}

extension SharedStateConnection {
    /// `check-config`: connects once (TCP, TLS, AUTH, SELECT, PING) and says in one line
    /// whether the store is usable: `ok: ...` or `problem: sharedState: ...` (a wrong password
    /// is named as such; the password itself never appears).
    ///
    /// `connectTimeout` nil: 3 s, or `timeoutMilliseconds` when that is longer.
    public static func checkConfiguration(_ settings: SharedStateSettings, connectTimeout: Duration? = nil) async -> (usable: Bool, line: String) {
        let configuration: RedisClientConfiguration
        do {
            var base = try clientConfiguration(settings)
            base.poolSize = 1
            base.connectTimeout = connectTimeout ?? max(.seconds(3), settings.timeout)
            base.timeout = max(settings.timeout, .seconds(1))
            configuration = base
        } catch {
            return (false, "problem: sharedState.caFile: \(error)")
        }
        let client = RedisClient(configuration: configuration)
        defer { client.shutdown() }
        do {
            try await client.ping()
            let scheme = settings.endpoint.useTLS ? "TLS" : "no TLS"
            return (true, "ok: sharedState: \(settings.endpoint) answers (\(scheme), key names keyed by \(settings.keySecretSource), sharedStateFailure \(settings.failureMode.rawValue))")
        } catch let error as RedisError {
            return (false, "problem: sharedState: \(error.reason)")
        } catch {
            return (false, "problem: sharedState: \(error)")
        }
    }
}
