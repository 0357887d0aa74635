import Foundation
import Synchronization

/// The two limits of CONTRACT §4 `rateLimits`: authentication requests started at the
/// provider per caller id and per personal number, each in a sliding 10-minute window.
///
/// A request is counted when it is about to be sent (whatever its outcome later), and a
/// call over either limit is refused before the provider is contacted. Callers without a
/// caller id (`unknown`, empty) share one bucket, `anonymous`: hiding the caller id must
/// not be a way around the limit.
public final class AuthenticationRateLimits: RateLimitStore, Sendable {
    private let limits: Mutex<(perCaller: Int, perNumber: Int)>
    private let limiter: SlidingWindowRateLimiter

    public var perCaller: Int { limits.withLock { $0.perCaller } }
    public var perNumber: Int { limits.withLock { $0.perNumber } }

    public init(perCaller: Int, perNumber: Int, window: Duration = .seconds(600),
                now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.limits = Mutex((perCaller, perNumber))
        self.limiter = SlidingWindowRateLimiter(window: window, now: now)
    }

    /// New limits (a reload): requests already counted stay counted in their window.
    public func updateLimits(_ settings: RateLimitSettings) async -> Bool {
        limits.withLock { $0 = (settings.perCallerPer10Min, settings.perNumberPer10Min) }
        return true
    }

    /// What `admit` decided.
    public typealias Decision = RateLimitDecision

    /// Counts one authentication request for this caller and number, or refuses it.
    /// The number is only used as a key in memory (never logged).
    public func admit(callerID: String, number: String) -> Decision {
        let callerKey = "caller:" + Self.callerKey(callerID)
        let numberKey = "number:" + number
        let (perCaller, perNumber) = limits.withLock { $0 }
        let refused = limiter.acquire([(callerKey, perCaller), (numberKey, perNumber)])
        if refused.isEmpty { return .admitted }
        return .refused(which: refused.map { $0.hasPrefix("caller:") ? "caller" : "number" })
    }

    static func callerKey(_ callerID: String) -> String {
        let trimmed = callerID.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.lowercased() == "unknown" || trimmed.lowercased() == "anonymous" { return "anonymous" }
        return trimmed
    }
}
