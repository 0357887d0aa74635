import Foundation

/// The two limits of CONTRACT §4 `rateLimits`: authentication requests started at the
/// provider per caller id and per personal number, each in a sliding 10-minute window.
///
/// A request is counted when it is about to be sent (whatever its outcome later), and a
/// call over either limit is refused before the provider is contacted. Callers without a
/// caller id (`unknown`, empty) share one bucket, `anonymous`: hiding the caller id must
/// not be a way around the limit.
public final class AuthenticationRateLimits: RateLimitStore, Sendable {
    public let perCaller: Int
    public let perNumber: Int
    private let limiter: SlidingWindowRateLimiter

    public init(perCaller: Int, perNumber: Int, window: Duration = .seconds(600),
                now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.perCaller = perCaller
        self.perNumber = perNumber
        self.limiter = SlidingWindowRateLimiter(window: window, now: now)
    }

    /// What `admit` decided.
    public typealias Decision = RateLimitDecision

    /// Counts one authentication request for this caller and number, or refuses it.
    /// The number is only used as a key in memory (never logged).
    public func admit(callerID: String, number: String) -> Decision {
        let callerKey = "caller:" + Self.callerKey(callerID)
        let numberKey = "number:" + number
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
