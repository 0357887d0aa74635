import CSocketsLinux
import Glibc
import Synchronization

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

    // MARK: - Writing

    /// Writes all of `bytes`, suspending only while the kernel's send buffer is full.
    ///
    /// Concurrent writers are queued in call order. Throws `SocketError.closed` once the
    /// connection is closed or reset. A write that times out or is cancelled part-way leaves the
    /// byte stream unusable, so the connection is closed before the error is thrown.
    public func write(_ bytes: [UInt8], timeout: Duration? = nil) async throws {
        if bytes.isEmpty { return }
        // Fast path: nothing queued and the kernel takes everything. Otherwise the rest is
        // queued under the same lock, keeping concurrent writers in order.
        let queued: UInt64? = try state.withLock { s in
            guard s.fd >= 0 else { throw SocketError.closedLocally }
            var sent = 0
            if s.writes.isEmpty {
                sent = try Self.sendLocked(s.fd, bytes, from: 0)
                if sent == bytes.count { return nil }
            }
            s.nextID &+= 1
            s.writes.append(PendingWrite(id: s.nextID, bytes: bytes, offset: sent))
            return s.nextID
        }
        guard let id = queued else { return }
        do {
            try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                    let timer = timeout.map { delay in
                        ScheduledTimer.schedule(after: delay) { [weak self] in
                            self?.failWrite(id: id, SocketError(.timedOut, "write timed out"))
                        }
                    }
                    let immediate: Result<Void, any Error>? = state.withLock { s in
                        if let result = s.finishedWrites.removeValue(forKey: id) { return result }
                        guard let index = s.writes.firstIndex(where: { $0.id == id }) else {
                            return .failure(SocketError.closedLocally)
                        }
                        if Task.isCancelled {
                            s.writes.remove(at: index)
                            return .failure(CancellationError())
                        }
                        s.writes[index].continuation = continuation
                        s.writes[index].timer = timer
                        return nil
                    }
                    if let immediate {
                        timer?.cancel()
                        continuation.resume(with: immediate)
                    }
                }
            } onCancel: {
                self.failWrite(id: id, CancellationError())
            }
        } catch let error as SocketError where error.kind == .timedOut {
            close()
            throw error
        } catch is CancellationError {
            close()
            throw CancellationError()
        }
    }

    /// Sends from `offset` until done or EAGAIN; returns the number of bytes sent now.
    static func sendLocked(_ fd: Int32, _ bytes: [UInt8], from offset: Int) throws -> Int {
        var position = offset
        try bytes.withUnsafeBytes { raw in
            while position < raw.count {
                let n = send(fd, raw.baseAddress! + position, raw.count - position, Int32(MSG_NOSIGNAL))
                if n > 0 { position += n; continue }
                let code = errno
                if n < 0 && code == EINTR { continue }
                if n < 0 && (code == EAGAIN || code == EWOULDBLOCK) { return }
                throw SocketError.fromErrno(n < 0 ? code : EPIPE, "send")
            }
        }
        return position - offset
    }

    /// Loop thread: the send buffer has room again.
    func flushWrites() {
        var done: [PendingWrite] = []
        var failure: (any Error)?
        state.withLock { s in
            guard s.fd >= 0 else { return }
            while !s.writes.isEmpty {
                do {
                    s.writes[0].offset += try Self.sendLocked(s.fd, s.writes[0].bytes, from: s.writes[0].offset)
                } catch {
                    failure = error
                    done = s.writes
                    s.writes.removeAll()
                    break
                }
                guard s.writes[0].offset == s.writes[0].bytes.count else { break }
                done.append(s.writes.removeFirst())
            }
            // Writers that have not attached their continuation yet find their result here.
            for write in done where write.continuation == nil {
                s.finishedWrites[write.id] = failure.map { .failure($0) } ?? .success(())
            }
        }
        for write in done {
            guard let continuation = write.continuation else { continue }
            write.timer?.cancel()
            if let failure { continuation.resume(throwing: failure) } else { continuation.resume() }
        }
    }

    private func failWrite(id: UInt64, _ error: any Error) {
        let waiter: PendingWrite? = state.withLock { s in
            guard let index = s.writes.firstIndex(where: { $0.id == id }) else { return nil }
            let write = s.writes.remove(at: index)
            if write.continuation == nil { s.finishedWrites[id] = .failure(error) }
            return write
        }
        if let waiter, let continuation = waiter.continuation {
            waiter.timer?.cancel()
            continuation.resume(throwing: error)
        }
    }

    // MARK: - Closing

    /// Half-close: sends FIN, the peer reads EOF; reading here continues.
    public func shutdownWrite() {
        state.withLock { s in
            if s.fd >= 0 { _ = shutdown(s.fd, Int32(SHUT_WR)) }
        }
    }

    /// Closes both directions and releases the descriptor. Idempotent.
    ///
    /// Pending reads, writes and connects fail with `SocketError.closed`; a push receiver's
    /// `onClose(nil)` runs on the loop if it has not run yet.
    public func close() {
        let taken: (ReadWaiter?, [PendingWrite], UnsafeContinuation<Void, any Error>?, Receiver?)? = state.withLock { s in
            guard s.fd >= 0 else { return nil }
            Glibc.close(s.fd)  // also removes it from the epoll set
            s.fd = -1
            let receiver = s.closeDelivered ? nil : s.receiver
            s.closeDelivered = true
            s.receiver = nil
            defer { s.readWaiter = nil; s.writes = []; s.connectWaiter = nil }
            return (s.readWaiter, s.writes, s.connectWaiter, receiver)
        }
        guard let (reader, writes, connecting, receiver) = taken else { return }
        let error = SocketError.closedLocally
        if let reader {
            reader.timer?.cancel()
            reader.continuation.resume(throwing: error)
        }
        for write in writes {
            write.timer?.cancel()
            write.continuation?.resume(throwing: error)  // one without a continuation finds its entry gone
        }
        connecting?.resume(throwing: error)
        EventLoop.shared.execute {
            receiver?.onClose(nil)
            // The loop's reference from register(): dropped after any event already fetched.
            Unmanaged.passUnretained(self).release()
        }
    }

    /// Whether `close()` was called.
    public var isClosed: Bool { state.withLock { $0.fd < 0 } }
}
