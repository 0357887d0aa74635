/// A type-erased view of any `Clock` with `Duration` steps, measured as time elapsed since
/// the authenticator was created.
///
/// Polling deadlines, intervals, cache lifetimes and rate limits all come from here, so a
/// test clock makes interval, `slow_down` and expiry tests run in milliseconds.
struct ElapsedClock: Sendable {
    let now: @Sendable () -> Duration
    let sleepUntil: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        now = { origin.duration(to: clock.now) }
        if let continuous = clock as? ContinuousClock, let start = origin as? ContinuousClock.Instant {
            // The real clock sleeps on the socket loop's timer heap (see LoopTimerSleep).
            sleepUntil = { deadline in
                try await LoopTimerSleep.sleep(for: continuous.now.duration(to: start.advanced(by: deadline)))
            }
        } else {
            sleepUntil = { deadline in
                try await clock.sleep(until: origin.advanced(by: deadline), tolerance: nil)
            }
        }
    }

    /// Sleeps until `deadline`; returns at once when it has passed. Throws `CancellationError`.
    func sleep(until deadline: Duration) async throws {
        try Task.checkCancellation()
        if deadline > now() { try await sleepUntil(deadline) }
        try Task.checkCancellation()
    }
}
