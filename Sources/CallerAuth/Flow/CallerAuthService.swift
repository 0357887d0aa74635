import Foundation
import Synchronization
import AGI
import CIBA
import StructuredLogging

/// Timing knobs of the flow. Defaults suit a real Asterisk; tests and `demo` shrink them.
public struct FlowTiming: Sendable {
    /// Length of each `WAIT FOR DIGIT` while polling. One is always pending so that a `*`
    /// is not lost; the flow notices a finished poll at most this much later.
    public var waitSlice: Duration = .seconds(1)
    /// GET DATA timeout (first digit and between digits); default from `digitTimeoutSeconds`.
    public var digitTimeout: Duration? = nil

    public init() {}
}

/// The `caller-auth` FastAGI handler and everything it shares between calls: the
/// verification engine (CIBA client, rate limits, verification store), the audit sink and
/// the metrics.
///
/// One instance serves all calls; every call runs in its own `CallerAuthSession`, so one
/// bad call never affects another. The agent API and queue mode use the same `engine`.
public final class CallerAuthService: Sendable {
    private let current: Mutex<Configuration>
    /// The configuration calls use: read once per use, so a reload (`SIGHUP`) reaches new calls.
    public var configuration: Configuration { current.withLock { $0 } }
    public let authenticator: BackchannelAuthenticator
    public let engine: VerificationEngine
    public let audit: any AuditSink
    public let metrics: MetricsRegistry
    public let logger: Logger
    public let timing: FlowTiming
    /// Queue mode: finishes what `caller-auth-start` left running; `attach` an AMI client to it.
    public let queueMode: QueueModeMonitor

    /// Where verification records live (in memory unless a shared store is injected).
    public var verificationStore: any VerificationStore { engine.store }
    /// The authentication rate limits (in process unless a shared store is injected).
    public var rateLimits: any RateLimitStore { engine.rateLimits }

    /// The AGI script name the dialplan uses: `agi://host/caller-auth`.
    public static let scriptName = "caller-auth"
    /// Queue mode (CONTRACT §8): starts the verification and returns `CIBA_STATUS=PENDING`.
    public static let queueStartScriptName = "caller-auth-start"
    /// Queue mode: the final variables of the call's verification (`wait=SECONDS`).
    public static let queueResultScriptName = "caller-auth-result"
    /// Every script this service answers.
    public static let scriptNames = [scriptName, queueStartScriptName, queueResultScriptName]

    /// - Parameters:
    ///   - rateLimits: nil builds ``AuthenticationRateLimits`` from `configuration.rateLimits`.
    ///   - verificationStore: nil builds an ``InMemoryVerificationStore`` keeping records for
    ///     `verificationRetentionMinutes`.
    ///   - client: the CIBA client the engine uses; nil uses `authenticator` (tests script it).
    public init(configuration: Configuration, authenticator: BackchannelAuthenticator, audit: any AuditSink,
                metrics: MetricsRegistry, logger: Logger, timing: FlowTiming = FlowTiming(),
                rateLimits: (any RateLimitStore)? = nil, verificationStore: (any VerificationStore)? = nil,
                client: (any BackchannelClient)? = nil) {
        self.current = Mutex(configuration)
        self.authenticator = authenticator
        self.audit = audit
        self.metrics = metrics
        self.logger = logger
        self.timing = timing
        let limits = rateLimits ?? AuthenticationRateLimits(
            perCaller: configuration.rateLimits.perCallerPer10Min, perNumber: configuration.rateLimits.perNumberPer10Min)
        let store = verificationStore ?? InMemoryVerificationStore(retentionMinutes: configuration.verificationRetentionMinutes)
        engine = VerificationEngine(client: client ?? authenticator, store: store, rateLimits: limits, logger: logger,
                                    revealCallerID: configuration.logCallerID)
        queueMode = QueueModeMonitor(engine: engine, audit: audit, logger: logger, configuration: configuration)
    }

    /// Replaces the configuration new calls see (``CallerAuthServer/reload(_:)`` decides what may change).
    func replaceConfiguration(_ configuration: Configuration) {
        current.withLock { $0 = configuration }
    }

    /// The caller id as logs and audit records show it (masked unless `logCallerId`).
    public func loggableCallerID(_ callerID: String) -> String {
        CallerIDMasking.loggable(callerID, reveal: configuration.logCallerID)
    }

    /// Registers `caller-auth`, `caller-auth-start` and `caller-auth-result` on the router.
    public func register(in router: inout AGIRouter) {
        router.register(Self.scriptName) { [self] channel in
            await self.handle(channel)
        }
        router.register(Self.queueStartScriptName) { [self] channel in
            await CallerAuthSession(service: self, channel: channel, mode: .queueStart).run()
        }
        router.register(Self.queueResultScriptName) { [self] channel in
            await QueueResultSession(service: self, channel: channel).run()
        }
    }

    /// A router with the caller-auth scripts.
    public func makeRouter() -> AGIRouter {
        var router = AGIRouter()
        register(in: &router)
        return router
    }

    /// Runs one call to completion: never throws, always sets the variables and writes the audit record.
    public func handle(_ channel: AGIChannel) async {
        await RetryWithConsent(service: self, channel: channel).run()
    }
}
