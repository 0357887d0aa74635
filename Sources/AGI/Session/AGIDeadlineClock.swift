import Sockets

/// Where a session's reply and environment deadlines come from.
///
/// Production uses ``SocketLoopDeadlineClock``: the continuous clock and the socket loop's
/// timers. Tests pass a manual clock (`ManualDeadlineClock` in AGITesting) so that "the
/// timer fires, lapses and re-arms" is checked step by step instead of with real sleeps that
/// a loaded machine turns into wrong answers.
///
/// An implementation must run a scheduled action at most once, never before `now` has
/// reached its instant, and not at all once it is cancelled.
public protocol AGIDeadlineClock: Sendable {
    var now: ContinuousClock.Instant { get }
    func schedule(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> any AGIDeadlineTimer
}

/// A scheduled deadline action that can be cancelled (idempotent).
public protocol AGIDeadlineTimer: Sendable {
    func cancel()
}

extension ScheduledTimer: AGIDeadlineTimer {}

/// The continuous clock and the socket loop's timer heap (one syscall at most per arm).
public struct SocketLoopDeadlineClock: AGIDeadlineClock {
    public init() {}

    public var now: ContinuousClock.Instant { .now }

    public func schedule(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> any AGIDeadlineTimer {
        ScheduledTimer.schedule(after: instant - .now, action)
    }
}
