import Foundation
import Synchronization

/// The service's Prometheus metrics (CONTRACT §5), rendered in the text exposition format.
///
/// Deliberately small: counters and one histogram kept under a lock, rendered on demand by
/// `/metrics`. Label values are fixed, low-cardinality words (status codes, endpoint names);
/// never a number, caller id or anything personal.
public final class MetricsRegistry: Sendable {
    /// Upper bounds (seconds) of the verification-duration histogram buckets.
    public static let durationBuckets: [Double] = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900]

    private struct State {
        var activeSessions = 0
        var sessionsStarted = 0
        var outcomes: [String: Int] = [:]
        var providerRequests: [LabelPair: Int] = [:]
        var durationCounts = [Int](repeating: 0, count: MetricsRegistry.durationBuckets.count)
        var durationSum = 0.0
        var durationTotal = 0
    }

    private struct LabelPair: Hashable, Comparable {
        var endpoint: String
        var status: String
        static func < (l: LabelPair, r: LabelPair) -> Bool { (l.endpoint, l.status) < (r.endpoint, r.status) }
    }

    private let state = Mutex(State())
    /// Extra metric families rendered after the built-in ones (the shared store's, ...).
    private let collectors = Mutex<[@Sendable () -> String]>([])

    public init() {}

    /// Adds a renderer of further metric families (Prometheus text, each line ending in `\n`).
    public func addCollector(_ render: @escaping @Sendable () -> String) {
        collectors.withLock { $0.append(render) }
    }

    /// A caller-auth session began; pair with `sessionEnded(status:)`.
    public func sessionStarted() {
        state.withLock { $0.activeSessions += 1; $0.sessionsStarted += 1 }
    }

    /// A session ended with `status` (`VERIFIED`, `DENIED`, ...).
    public func sessionEnded(status: String) {
        state.withLock {
            $0.activeSessions -= 1
            $0.outcomes[status, default: 0] += 1
        }
    }

    /// Time from the authentication request to its outcome, for sessions that reached the provider.
    public func observeVerification(seconds: Double) {
        state.withLock { s in
            for (i, bound) in Self.durationBuckets.enumerated() where seconds <= bound {
                s.durationCounts[i] += 1
            }
            s.durationSum += seconds
            s.durationTotal += 1
        }
    }

    /// One HTTP request to the provider: `endpoint` is `discovery|jwks|bc-authorize|token`,
    /// `status` the HTTP status or `error` when no answer came.
    public func providerRequest(endpoint: String, status: String) {
        state.withLock { $0.providerRequests[LabelPair(endpoint: endpoint, status: status), default: 0] += 1 }
    }

    public var activeSessions: Int { state.withLock { $0.activeSessions } }

    /// How many sessions ended with `status` so far.
    public func outcomeCount(_ status: String) -> Int { state.withLock { $0.outcomes[status] ?? 0 } }

    /// The Prometheus text format (version 0.0.4).
    public func render() -> String {
        let s = state.withLock { $0 }
        var out = ""
        out += "# HELP ciba_agi_active_sessions Caller-auth sessions in progress.\n"
        out += "# TYPE ciba_agi_active_sessions gauge\n"
        out += "ciba_agi_active_sessions \(s.activeSessions)\n"
        out += "# HELP ciba_agi_sessions_total Caller-auth sessions started.\n"
        out += "# TYPE ciba_agi_sessions_total counter\n"
        out += "ciba_agi_sessions_total \(s.sessionsStarted)\n"
        out += "# HELP ciba_agi_outcomes_total Caller-auth sessions ended, by CIBA_STATUS.\n"
        out += "# TYPE ciba_agi_outcomes_total counter\n"
        for status in CallStatus.allNames {
            out += "ciba_agi_outcomes_total{status=\"\(status)\"} \(s.outcomes[status] ?? 0)\n"
        }
        out += "# HELP ciba_agi_verification_duration_seconds Time from the authentication request to its outcome.\n"
        out += "# TYPE ciba_agi_verification_duration_seconds histogram\n"
        for (i, bound) in Self.durationBuckets.enumerated() {
            out += "ciba_agi_verification_duration_seconds_bucket{le=\"\(Self.number(bound))\"} \(s.durationCounts[i])\n"
        }
        out += "ciba_agi_verification_duration_seconds_bucket{le=\"+Inf\"} \(s.durationTotal)\n"
        out += "ciba_agi_verification_duration_seconds_sum \(Self.number(s.durationSum))\n"
        out += "ciba_agi_verification_duration_seconds_count \(s.durationTotal)\n"
        out += "# HELP ciba_agi_provider_requests_total HTTP requests to the CIBA provider, by endpoint and HTTP status.\n"
        out += "# TYPE ciba_agi_provider_requests_total counter\n"
        for key in s.providerRequests.keys.sorted() {
            out += "ciba_agi_provider_requests_total{endpoint=\"\(Self.label(key.endpoint))\",status=\"\(Self.label(key.status))\"} \(s.providerRequests[key] ?? 0)\n"
        }
        for render in collectors.withLock({ $0 }) { out += render() }
        return out
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
