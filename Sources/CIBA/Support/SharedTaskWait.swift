/// Waits for a task that several callers share, so that cancelling one waiter ends only its
/// wait (with `CancellationError`) and never the shared work.
///
/// `await task.value` alone ignores the waiter's cancellation: a hung-up call would wait the
/// whole JWKS cooldown before its poller could end.
enum SharedTaskWait {
    static func value<T: Sendable>(of task: Task<T, any Error>) async throws -> T {
        let answer = FirstResult<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                answer.install(continuation)
                Task {
                    do { answer.resume(.success(try await task.value)) } catch { answer.resume(.failure(error)) }
                }
            }
        } onCancel: {
            answer.resume(.failure(CancellationError()))
        }
    }
}

/// The first result wins; one that arrives before the continuation is installed is kept for it.
private final class FirstResult<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var done = false
    }

    private let state = Locked(State())

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early {
                state.early = nil
                return early
            }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func resume(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard !state.done else { return nil }
            state.done = true
            guard let continuation = state.continuation else {
                state.early = result
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(with: result)
    }
}
