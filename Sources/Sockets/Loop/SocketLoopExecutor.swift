/// A task executor that runs jobs on the socket event-loop thread.
///
/// A task started with `Task(executorPreference: SocketLoopExecutor.shared)` runs its
/// non-isolated code on the loop thread: when a socket callback resumes one of its
/// continuations, the task continues in the same loop iteration, with no thread switch. This
/// is what makes a FastAGI command round trip cheap (the C baseline does everything on one
/// thread too).
///
/// The price: such a task must never block or compute for long, because every socket in the
/// process waits while it runs. Await I/O and other tasks freely; push CPU-heavy or blocking
/// work elsewhere (e.g. `Task.detached` or a Dispatch queue). Actor-isolated code still runs
/// on its actor's executor.
public final class SocketLoopExecutor: TaskExecutor {
    public static let shared = SocketLoopExecutor()

    private init() {}

    public func enqueue(_ job: consuming ExecutorJob) {
        EventLoop.shared.enqueue(.task(UnownedJob(job)))
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Whether the caller runs on the socket loop thread.
    public var isCurrent: Bool { EventLoop.shared.isCurrentThread }
}
