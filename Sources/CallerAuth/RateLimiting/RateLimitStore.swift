/// What a rate-limit check decided.
public enum RateLimitDecision: Sendable, Equatable {
    case admitted
    /// Over the limit; `which` names the limits that were hit (`caller`, `number`).
    case refused(which: [String])

    /// The `which` of a refusal because the shared store could not be asked (`sharedStateFailure: closed`).
    public static let sharedStateUnavailable = "sharedState"
}

/// The authentication rate limits (CONTRACT §4 `rateLimits`) behind a protocol, so a shared
/// store (Redis) can hold them across servers. ``AuthenticationRateLimits`` is the in-process one.
public protocol RateLimitStore: Sendable {
    /// Counts one authentication request for this caller id and subject (the number, or the
    /// caller id for caller-id profiles), or refuses it without counting. The subject is a key
    /// only: never logged or stored beyond the limit's window.
    func admit(callerID: String, number: String) async -> RateLimitDecision

    /// Applies new limits (a `SIGHUP` reload); false when this store cannot change them while
    /// running (the reload then says a restart is needed). Default: false.
    func updateLimits(_ settings: RateLimitSettings) async -> Bool
}

extension RateLimitStore {
    /// Stores that cannot change their limits while running.
    public func updateLimits(_ settings: RateLimitSettings) async -> Bool { false }
}
