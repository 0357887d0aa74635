extension SharedStateConnection {
    /// The `sharedState` check of `/readyz`: a PING now (bounded by `timeoutMilliseconds`).
    ///
    /// With `sharedStateFailure: closed` an unreachable store makes the server not ready (it
    /// refuses new verifications). With `local` (the default) the server still serves calls on
    /// its own window, so the check stays ok and says `degraded`: taking every server out of the
    /// load balancer because their common store is away would stop all calls instead of none.
    public func readiness() async -> ReadinessResult {
        let server = settings.endpoint.server
        guard let problem = await check() else {
            let subscription = verifications.isSubscribed ? "events subscribed" : "events subscription reconnecting"
            return .ok("\(server) answers (\(subscription))")
        }
        switch settings.failureMode {
        case .closed:
            return .failing("store unreachable, new verifications are refused (sharedStateFailure closed): \(problem)")
        case .local:
            return .ok("degraded: store unreachable, each server uses its own rate-limit window: \(problem)")
        }
    }
}
