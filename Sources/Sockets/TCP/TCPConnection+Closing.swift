import CSocketsLinux
import Glibc
import Synchronization

/// Half-close and close.
extension TCPConnection {
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
