import Synchronization
import RESP
import StructuredLogging

/// Whether the shared store answers, as every store operation last found it.
///
/// Operations report each outcome here; only a change (up → down, down → up) is logged, one
/// line each, so an outage of an hour on a busy server is two log lines, not one per call.
/// The metrics say the same for dashboards: `ciba_agi_shared_state_up` (1/0),
/// `ciba_agi_shared_state_failures_total` (failed operations) and
/// `ciba_agi_shared_state_fallbacks_total{mode}` (rate-limit decisions made without the store).
public final class SharedStateHealth: Sendable {
    /// Up until proven otherwise: the first failure is a transition and gets its line.
    private enum Condition: Equatable {
        case up
        case down(reason: String)
    }

    private struct State {
        var condition = Condition.up
        var failures = 0
        var fallbacks: [SharedStateFailureMode: Int] = [:]
        var transitions = 0
    }

    public let server: String
    public let failureMode: SharedStateFailureMode
    private let logger: Logger
    private let state = Mutex(State())

    public init(server: String, failureMode: SharedStateFailureMode, logger: Logger) {
        self.server = server
        self.failureMode = failureMode
        self.logger = logger
    }

    /// An operation worked: the store is up (logged when it was down).
    public func succeeded() {
        let recovered = state.withLock { s -> Bool in
            guard s.condition != .up else { return false }
            s.condition = .up
            s.transitions += 1
            return true
        }
        if recovered { logger.notice("shared_state.up", ["store": server]) }
    }

    /// An operation failed (`error.reason` names the server and the command, never a key or value).
    public func failed(_ error: any Error, operation: String) {
        let reason = (error as? RedisError)?.reason ?? String(describing: type(of: error))
        let wentDown = state.withLock { s -> Bool in
            s.failures += 1
            guard s.condition == .up else { return false }
            s.condition = .down(reason: reason)
            s.transitions += 1
            return true
        }
        if wentDown {
            let effect = failureMode == .local
                ? "rate limits use each server's own window; records stay on this server"
                : "new verifications are refused (sharedStateFailure closed)"
            logger.error("shared_state.down", ["store": server, "operation": operation, "reason": reason, "effect": effect])
        }
    }

    /// A rate-limit decision was made without the store (`mode` says how).
    func fellBack() {
        state.withLock { $0.fallbacks[failureMode, default: 0] += 1 }
    }

    public var isUp: Bool { state.withLock { $0.condition == .up } }

    /// Why the store is down; nil while it is up.
    public var problem: String? {
        state.withLock { s in
            if case .down(let reason) = s.condition { return reason }
            return nil
        }
    }

    /// Failed operations so far.
    public var failureCount: Int { state.withLock { $0.failures } }
    /// Up/down changes so far (each one logged once).
    public var transitionCount: Int { state.withLock { $0.transitions } }

    /// The three metric families, Prometheus text format.
    public func renderMetrics() -> String {
        let s = state.withLock { $0 }
        var out = "# HELP ciba_agi_shared_state_up 1 while the shared store (sharedState) answers, else 0.\n"
        out += "# TYPE ciba_agi_shared_state_up gauge\n"
        out += "ciba_agi_shared_state_up \(s.condition == .up ? 1 : 0)\n"
        out += "# HELP ciba_agi_shared_state_failures_total Shared-store operations that failed (timeout, connection, refused).\n"
        out += "# TYPE ciba_agi_shared_state_failures_total counter\n"
        out += "ciba_agi_shared_state_failures_total \(s.failures)\n"
        out += "# HELP ciba_agi_shared_state_fallbacks_total Rate-limit decisions made without the shared store, by sharedStateFailure mode.\n"
        out += "# TYPE ciba_agi_shared_state_fallbacks_total counter\n"
        for mode in [SharedStateFailureMode.local, .closed] {
            out += "ciba_agi_shared_state_fallbacks_total{mode=\"\(mode.rawValue)\"} \(s.fallbacks[mode] ?? 0)\n"
        }
        return out
    }
}
