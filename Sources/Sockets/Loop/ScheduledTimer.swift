/// A one-shot timer that runs `action` after a delay unless cancelled first.
///
/// Cheaper than a `Task` that sleeps (no task is created), which matters when ten thousand held
/// calls each wait on a command with a timeout. Timers live in the socket event loop's heap and
/// the action runs **on the event-loop thread**: keep it short and non-blocking (resume a
/// continuation, cancel a task, close a socket), never wait in it.
public final class ScheduledTimer: @unchecked Sendable {  // mutable fields only touched under EventLoop's mutex
    let action: @Sendable () -> Void
    var deadline: UInt64
    var sequence: UInt64 = 0
    var heapIndex = -1
    var cancelled = false

    private init(deadline: UInt64, action: @escaping @Sendable () -> Void) {
        self.deadline = deadline
        self.action = action
    }

    /// Schedules `action` to run once after `delay` (at once for zero or negative delays).
    @discardableResult
    public static func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> ScheduledTimer {
        let timer = ScheduledTimer(deadline: EventLoop.deadline(after: delay), action: action)
        EventLoop.shared.schedule(timer)
        return timer
    }

    /// Prevents the action from running if it has not started yet. Idempotent.
    public func cancel() { EventLoop.shared.cancel(self) }

    /// Whether `cancel()` was called.
    public var isCancelled: Bool { EventLoop.shared.isCancelled(self) }
}
