import Foundation
import AGI
import AMI
import CIBA
import Sockets
import StructuredLogging

/// Everything `ciba-agi serve` runs, wired from a `Configuration`: the CIBA client, the
/// `caller-auth` service (rate limits, audit, metrics), the FastAGI server and the ops endpoint.
///
/// `demo` and the end-to-end tests use it too, with a simulated provider and free ports.
public final class CallerAuthServer: Sendable {
    /// The configuration in use (after a reload, the reloaded one).
    public var configuration: Configuration { service.configuration }
    public let service: CallerAuthService
    public let metrics: MetricsRegistry
    /// The `/readyz` checks: `discovery` and `jwks` here; other modules (shared state) add theirs.
    public let readiness: ReadinessRegistry
    /// The shared store (`sharedState`); nil when every server keeps its own state.
    public let sharedState: SharedStateConnection?
    private let agiServer: FastAGIServer
    private let ops: OpsEndpoint?
    /// The manager connection for queue mode (`ami`); nil when not configured.
    public let ami: AMIClient?
    let logger: Logger
    /// The level `serve`'s logger filters at; a reload sets it (nil: the log level needs a restart).
    public let logLevelSwitch: LogLevelSwitch?

    /// - Parameters:
    ///   - authenticator: the CIBA client; nil builds one with a `CurlTransport` and the real clock.
    ///   - audit: nil writes `configuration.auditLog` (or nothing when it is null).
    ///   - rateLimits, verificationStore: nil keeps them in this process, or in the shared store
    ///     when `configuration.sharedState` is set.
    ///   - sharedState: the shared store already built (tests with their own clocks); nil builds
    ///     it from `configuration.sharedState`.
    public init(configuration: Configuration, logger: Logger, authenticator: BackchannelAuthenticator? = nil,
                audit: (any AuditSink)? = nil, timing: FlowTiming = FlowTiming(),
                rateLimits: (any RateLimitStore)? = nil, verificationStore: (any VerificationStore)? = nil,
                sharedState: SharedStateConnection? = nil, logLevelSwitch: LogLevelSwitch? = nil,
                readinessTimeout: Duration = .seconds(5)) throws {
        self.logger = logger
        self.logLevelSwitch = logLevelSwitch
        let metrics = MetricsRegistry()
        self.metrics = metrics
        let shared = try sharedState ?? configuration.sharedState.map {
            try SharedStateConnection(settings: $0, rateLimits: configuration.rateLimits,
                                      retentionMinutes: configuration.verificationRetentionMinutes, logger: logger)
        }
        self.sharedState = shared
        if let shared { metrics.addCollector(shared.health.renderMetrics) }
        let rateLimits = rateLimits ?? shared?.rateLimits
        let verificationStore = verificationStore ?? shared?.verifications
        let client = try authenticator ?? BackchannelAuthenticator(settings: configuration.provider.settings,
                                                                   clock: ContinuousClock(), logger: logger)
        client.onProviderRequest = { metric in metrics.providerRequest(endpoint: metric.endpoint, status: metric.status) }
        let sink: any AuditSink = audit ?? (configuration.auditLog.map { AuditLogFile(path: $0) } ?? DisabledAuditSink())
        service = CallerAuthService(configuration: configuration, authenticator: client, audit: sink, metrics: metrics,
                                    logger: logger, timing: timing, rateLimits: rateLimits, verificationStore: verificationStore)
        // Caller-auth sessions run on the global pool, not on the socket loop thread: they sign
        // client assertions (RSA, about a millisecond each), verify ID tokens and parse JSON,
        // and none of that may stall the I/O of every other call. The thread hop per AGI
        // command costs microseconds, nothing at IVR pace (BENCHMARKS.md, executor A/B).
        let serverConfiguration = FastAGIServerConfiguration(
            listen: configuration.listen, allowedClients: configuration.allowedClients, maxSessions: configuration.maxSessions,
            runSessionsOnSocketLoop: false)
        agiServer = FastAGIServer(configuration: serverConfiguration, router: service.makeRouter(), logger: logger)
        let readiness = ReadinessRegistry(timeout: readinessTimeout)
        readiness.registerProviderChecks(client)
        if let shared { readiness.register(name: "sharedState") { await shared.readiness() } }
        self.readiness = readiness
        ops = configuration.opsListen.map { OpsEndpoint(listen: $0, metrics: metrics, readiness: readiness, logger: logger) }
        ami = configuration.ami.map { AMIClient(configuration: $0.clientConfiguration, logger: logger) }
        if let ami { service.queueMode.attach(ami) }
    }

    /// Binds the FastAGI listeners and the ops endpoint. Throws ``ListenerStartError`` (naming
    /// the key: address in use, permission denied, ...).
    @discardableResult
    public func start() throws -> (agi: [SocketAddress], ops: SocketAddress?) {
        if let sharedState {
            for warning in sharedState.settings.warnings { logger.warning("config.warning", ["message": warning]) }
            sharedState.start()
        }
        let agi = try ListenerStartError.naming("listen", configuration.listen) { try agiServer.start() }
        var opsAddress: SocketAddress? = nil
        do {
            opsAddress = try ListenerStartError.naming("opsListen", configuration.opsListen.map { [$0] } ?? []) { try ops?.start() }
        } catch {
            Task { await agiServer.shutdown(drainTimeout: .zero) }
            throw error
        }
        // Connects in the background with backoff: a manager port that is down never stops the server.
        ami?.start()
        for warning in configuration.startupWarnings { logger.warning("server.config_warning", ["warning": warning]) }
        logger.notice("server.started", [
            "agi": agi.map(\.description).joined(separator: ","), "ops": opsAddress?.description ?? "off",
            "issuer": configuration.provider.issuer.absoluteString, "clientAuth": configuration.provider.authenticationName,
            "profiles": configuration.profiles.keys.sorted().joined(separator: ","),
            "ami": configuration.ami.map { "\($0.username)@\($0.address)" } ?? "off",
            "sharedState": sharedState.map { "\($0.settings.endpoint) (\($0.settings.failureMode.rawValue))" } ?? "off",
        ])
        return (agi, opsAddress)
    }

    /// Sessions in progress.
    public var activeSessions: Int { agiServer.activeSessions }

    /// Stops accepting, lets calls finish (up to `drainTimeout`), then stops the ops endpoint.
    public func shutdown(drainTimeout: Duration) async {
        await agiServer.shutdown(drainTimeout: drainTimeout)
        await service.queueMode.shutdown()
        await ami?.stop()
        await ops?.shutdown()
        await sharedState?.shutdown()
    }
}
