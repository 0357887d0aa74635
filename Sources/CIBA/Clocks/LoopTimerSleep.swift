import Sockets
import Synchronization

/// `ContinuousClock`'s sleep on the socket loop's timer heap (``ScheduledTimer``) instead of
/// Dispatch: every waiting call sleeps once per poll interval, and a Dispatch timer wakes the
/// Dispatch manager thread for each one, while the loop thread is awake anyway on a busy
/// server. The timer's action only resumes the continuation.
///
/// Cancellation ends the sleep at once with `CancellationError` (the timer is cancelled), as
/// `Task.sleep` does. Exactly one resume: the first of "timer fired" and "cancelled" wins.
enum LoopTimerSleep {
    /// Where one sleep is; the first finisher takes the continuation.
    private enum Phase {
        case starting
        case waiting(CheckedContinuation<Void, any Error>, ScheduledTimer)
        case cancelled
        case done
    }

    private final class Sleeper: Sendable {
        let phase = Mutex(Phase.starting)

        func fire() {
            let continuation: CheckedContinuation<Void, any Error>? = phase.withLock { phase in
                guard case .waiting(let continuation, _) = phase else { return nil }
                phase = .done
                return continuation
            }
            continuation?.resume()
        }

        func cancel() {
            let taken: (CheckedContinuation<Void, any Error>, ScheduledTimer)? = phase.withLock { phase in
                switch phase {
                case .starting:
                    phase = .cancelled
                    return nil
                case .waiting(let continuation, let timer):
                    phase = .done
                    return (continuation, timer)
                case .cancelled, .done:
                    return nil
                }
            }
            if let (continuation, timer) = taken {
                timer.cancel()
                continuation.resume(throwing: CancellationError())
            }
        }
    }

    static func sleep(for delay: Duration) async throws {
        let sleeper = Sleeper()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let timer = ScheduledTimer.schedule(after: delay) { sleeper.fire() }
                let cancelledAlready = sleeper.phase.withLock { phase -> Bool in
                    if case .cancelled = phase { phase = .done; return true }
                    phase = .waiting(continuation, timer)
                    return false
                }
                if cancelledAlready {
                    timer.cancel()
                    continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            sleeper.cancel()
        }
    }
}
