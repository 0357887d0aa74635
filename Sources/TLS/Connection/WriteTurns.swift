import Synchronization

/// A first-come-first-served turn for sending ciphertext.
///
/// TLS records carry sequence numbers: ciphertext must reach the socket in the order OpenSSL
/// produced it. Whoever holds the turn drains the output BIO *and* hands the bytes to the
/// socket before giving the turn back, so two writers (or a writer and a reader answering a key
/// update) can never swap records. A waiter's wait is bounded by the holder's write timeout: a
/// write that times out closes the connection, and `close()` fails every waiter.
final class WriteTurns: Sendable {
    private struct State {
        var busy = false
        var closed = false
        var nextID: UInt64 = 0
        var waiters: [(id: UInt64, continuation: UnsafeContinuation<Void, any Error>)] = []
    }

    private let state = Mutex(State())

    func acquire() async throws {
        let immediate: Bool = try state.withLock { s in
            if s.closed { throw TLSError(.connectionFailed, "the TLS connection is closed") }
            if !s.busy {
                s.busy = true
                return true
            }
            return false
        }
        if immediate { return }
        let id = state.withLock { s -> UInt64 in s.nextID &+= 1; return s.nextID }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { s in
                    if s.closed { return .failure(TLSError(.connectionFailed, "the TLS connection is closed")) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if !s.busy {
                        s.busy = true
                        return .success(())
                    }
                    s.waiters.append((id, continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> UnsafeContinuation<Void, any Error>? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Hands the turn to the next waiter (which then holds it) or frees it.
    func release() {
        let next = state.withLock { s -> UnsafeContinuation<Void, any Error>? in
            if s.waiters.isEmpty {
                s.busy = false
                return nil
            }
            return s.waiters.removeFirst().continuation
        }
        next?.resume()
    }

    /// Fails every waiter and all later `acquire()`s.
    func close() {
        let waiters = state.withLock { s in
            s.closed = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: TLSError(.connectionFailed, "the TLS connection is closed")) }
    }
}
