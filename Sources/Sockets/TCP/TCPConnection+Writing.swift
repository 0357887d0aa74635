import CSocketsLinux
import Glibc
import Synchronization

/// Writing: the caller tries the system call itself; only a full send buffer suspends it.
extension TCPConnection {
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
}
