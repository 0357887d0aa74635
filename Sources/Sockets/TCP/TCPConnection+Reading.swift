import CSocketsLinux
import Glibc
import Synchronization

/// Reading: push mode (callbacks on the loop thread) and pull mode (async `read`).
extension TCPConnection {
    // MARK: - Push mode

    /// Starts delivering inbound bytes to `onReceive`, on the event-loop thread.
    ///
    /// `onReceive` gets each chunk in order, never concurrently with itself; keep it short (parse,
    /// resume a continuation). `onClose` runs exactly once, after the last chunk: on EOF (nil), on
    /// `close()` (nil) or on an I/O error. Call once; do not mix with `read()`.
    public func startReceiving(
        onReceive: @escaping @Sendable (ArraySlice<UInt8>) -> Void,
        onClose: @escaping @Sendable ((any Error)?) -> Void
    ) {
        let alreadyClosed: Bool = state.withLock { s in
            guard !s.receiving else { return false }
            s.receiving = true
            if s.fd < 0 {
                if s.closeDelivered { return false }
                s.closeDelivered = true
                return true
            }
            s.receiver = Receiver(onReceive: onReceive, onClose: onClose)
            return false
        }
        if alreadyClosed {
            EventLoop.shared.execute { onClose(nil) }
        } else {
            // Bytes may already be waiting (the edge fired before a receiver existed).
            EventLoop.shared.execute { self.handleFirstReceive() }
        }
    }

    // MARK: - Pull mode

    /// Reads up to `maxBytes`; returns `[]` at EOF.
    ///
    /// Throws `SocketError.timedOut` after `timeout` (the connection stays usable),
    /// `SocketError.closed` once closed, `CancellationError` when the task is cancelled.
    /// One reader at a time.
    public func read(maxBytes: Int = 65_536, timeout: Duration? = nil) async throws -> [UInt8] {
        let limit = max(1, min(maxBytes, 65_536))
        if let bytes = try readNow(limit) { return bytes }
        let id = state.withLock { s -> UInt64 in s.nextID &+= 1; return s.nextID }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<[UInt8], any Error>) in
                let timer = timeout.map { delay in
                    ScheduledTimer.schedule(after: delay) { [weak self] in
                        self?.failRead(id: id, SocketError(.timedOut, "read timed out"))
                    }
                }
                let immediate: Result<[UInt8], any Error>? = state.withLock { s in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    // Try once more under the lock: an edge that fired since readNow is not lost.
                    do {
                        if let bytes = try Self.recvLocked(&s, limit) { return .success(bytes) }
                    } catch {
                        return .failure(error)
                    }
                    if s.readWaiter != nil {
                        return .failure(SocketError(.system, "concurrent read on one connection"))
                    }
                    s.readWaiter = ReadWaiter(id: id, maxBytes: limit, continuation: continuation, timer: timer)
                    return nil
                }
                if let immediate {
                    timer?.cancel()
                    continuation.resume(with: immediate)
                }
            }
        } onCancel: {
            self.failRead(id: id, CancellationError())
        }
    }

    /// Non-blocking attempt: bytes, `[]` at EOF, or nil when nothing is there yet.
    private func readNow(_ limit: Int) throws -> [UInt8]? {
        try state.withLock { s in try Self.recvLocked(&s, limit) }
    }

    /// One `recv` under the lock into the loop's shared buffer (loop thread only), copying out
    /// exactly what arrived. nil = would block.
    static func recvLocked(_ s: inout State, _ limit: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> [UInt8]? {
        if s.readEOF { return [] }
        guard s.fd >= 0 else { throw SocketError.closedLocally }
        while true {
            let n = recv(s.fd, buffer.baseAddress, min(limit, buffer.count), 0)
            if n > 0 { return Array(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n)) }
            if n == 0 {
                s.readEOF = true
                return []
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw SocketError.fromErrno(code, "recv")
        }
    }

    /// One `recv` under the lock, from any thread. nil = would block.
    static func recvLocked(_ s: inout State, _ limit: Int) throws -> [UInt8]? {
        if s.readEOF { return [] }
        guard s.fd >= 0 else { throw SocketError.closedLocally }
        let fd = s.fd
        var code: Int32 = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: limit) { buffer, count in
            while true {
                let n = recv(fd, buffer.baseAddress, limit, 0)
                if n >= 0 { count = n; return }
                code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { count = 0; return }
                throw SocketError.fromErrno(code, "recv")
            }
        }
        if bytes.isEmpty {
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            s.readEOF = true
        }
        // Keep long-lived buffers tight: copy out of the oversized allocation when small.
        return bytes.count * 4 < limit && limit > 4096 ? Array(bytes) : bytes
    }

    /// Loop thread: the socket became readable while a pull read waits.
    func completePullRead() {
        let outcome: (ReadWaiter, Result<[UInt8], any Error>)? = state.withLock { s in
            guard let waiter = s.readWaiter else { return nil }
            do {
                guard let bytes = try Self.recvLocked(&s, waiter.maxBytes, into: EventLoop.shared.readBuffer) else { return nil }
                s.readWaiter = nil
                return (waiter, .success(bytes))
            } catch {
                s.readWaiter = nil
                return (waiter, .failure(error))
            }
        }
        if let (waiter, result) = outcome {
            waiter.timer?.cancel()
            waiter.continuation.resume(with: result)
        }
    }

    private func failRead(id: UInt64, _ error: any Error) {
        let waiter: ReadWaiter? = state.withLock { s in
            guard let waiter = s.readWaiter, waiter.id == id else { return nil }
            s.readWaiter = nil
            return waiter
        }
        if let waiter {
            waiter.timer?.cancel()
            waiter.continuation.resume(throwing: error)
        }
    }
}
