import Dispatch

/// A one-shot timer that runs `action` after a delay unless cancelled first.
///
/// Cheaper than a `Task` that sleeps (no task is created), which matters when
/// ten thousand held calls each wait on a command with a timeout.
/// The action runs on a Dispatch queue, never on the caller's task.
public final class ScheduledTimer: @unchecked Sendable {  // DispatchWorkItem is thread-safe
    private let item: DispatchWorkItem

    private init(item: DispatchWorkItem) { self.item = item }

    /// Schedules `action` to run once after `delay`.
    @discardableResult
    public static func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> ScheduledTimer {
        let item = DispatchWorkItem(block: action)
        let (seconds, attoseconds) = delay.components
        let nanos = max(0, seconds) * 1_000_000_000 + max(0, attoseconds / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: nanos)), execute: item)
        return ScheduledTimer(item: item)
    }

    /// Prevents the action from running if it has not started yet. Idempotent.
    public func cancel() { item.cancel() }

    public var isCancelled: Bool { item.isCancelled }
}
