import CSocketsLinux
import Glibc
import Synchronization

/// A non-blocking TCP connection on the shared epoll loop.
///
/// Two ways to read, not to be mixed on one connection:
/// - push (`startReceiving`): the loop thread hands each chunk to a callback; a held idle
///   connection then costs no task at all (AGI sessions);
/// - pull (`read(maxBytes:timeout:)`): an async read that suspends until bytes, EOF or timeout
///   (HTTP server and clients).
///
/// `write` first tries the system call on the caller's thread and only suspends when the
/// kernel's send buffer is full. All system calls on the descriptor happen under the
/// connection's mutex, so `close()` from any thread can never race a read or write into a
/// descriptor number the kernel has already reused for another socket.
///
/// Always `close()` a connection: the loop keeps it alive (and its descriptor open) until then.
public final class TCPConnection: Sendable {
    /// The remote end.
    public let peerAddress: SocketAddress
    /// The local end.
    public let localAddress: SocketAddress

    let state: Mutex<State>

    struct ReadWaiter {
        let id: UInt64
        let maxBytes: Int
        let continuation: UnsafeContinuation<[UInt8], any Error>
        let timer: ScheduledTimer?
    }

    /// A write waiting for room in the send buffer. It takes its place in the queue the moment
    /// the first attempt comes up short (so a later writer can never slip in between); its
    /// continuation is attached a moment later, and a write that completes or fails in that gap
    /// leaves its result in `State.finishedWrites`.
    struct PendingWrite {
        let id: UInt64
        var bytes: [UInt8]
        var offset: Int
        var continuation: UnsafeContinuation<Void, any Error>?
        var timer: ScheduledTimer?
    }

    struct Receiver {
        let onReceive: @Sendable (ArraySlice<UInt8>) -> Void
        let onClose: @Sendable ((any Error)?) -> Void
    }

    struct State {
        var fd: Int32
        var nextID: UInt64 = 1
        var readWaiter: ReadWaiter?
        var writes: [PendingWrite] = []
        var finishedWrites: [UInt64: Result<Void, any Error>] = [:]
        var connectWaiter: UnsafeContinuation<Void, any Error>?
        var connectTimer: ScheduledTimer?
        var receiver: Receiver?
        var receiving = false       // startReceiving was called
        var closeDelivered = false  // onClose ran (or is queued)
        var readEOF = false         // pull mode saw EOF: later reads return [] at once
        var eventsWhileIdle: UInt32 = 0  // read edges that found neither receiver nor reader
    }

    init(fd: Int32, peer: SocketAddress, local: SocketAddress) {
        self.peerAddress = peer
        self.localAddress = local
        self.state = Mutex(State(fd: fd))
    }

    /// Registers with the loop, which then holds one reference until `close()`.
    func register() throws {
        let fd = state.withLock { $0.fd }
        let token = UInt64(UInt(bitPattern: Unmanaged.passRetained(self).toOpaque()))
        let rc = EventLoop.shared.register(fd: fd, token: token)
        if rc != 0 {
            Unmanaged.passUnretained(self).release()
            state.withLock { s in
                Glibc.close(s.fd)
                s.fd = -1
            }
            throw SocketError.fromErrno(rc, "epoll_ctl")
        }
    }

    // MARK: - Connecting

    /// Connects to `address` (IPv4 or IPv6), with TCP_NODELAY set.
    ///
    /// Throws `SocketError` `.connectionRefused`, `.timedOut`, or `CancellationError`.
    public static func connect(to address: SocketAddress, timeout: Duration = .seconds(5)) async throws -> TCPConnection {
        let fd = socket(SocketOptions.family(of: address), SocketOptions.streamType, 0)
        guard fd >= 0 else { throw SocketError.fromErrno(errno, "socket") }
        SocketOptions.noDelay(fd)
        var rc: Int32
        var code: Int32 = 0
        repeat {
            rc = address.withSockAddr { Glibc.connect(fd, $0, $1) }
            code = rc == 0 ? 0 : errno
        } while code == EINTR
        // After an interrupted call the connect goes on: a repeat says EALREADY or EISCONN.
        if code == EISCONN { code = 0 }
        let inProgress = code == EINPROGRESS || code == EALREADY
        if code != 0 && !inProgress {
            Glibc.close(fd)
            throw SocketError.fromErrno(code, "connect \(address)")
        }
        let local = SocketAddress.of(fd: fd, peer: false) ?? address.with(port: 0)
        let connection = TCPConnection(fd: fd, peer: address, local: local)
        try connection.register()
        if inProgress {
            do {
                try await connection.waitForConnect(timeout: timeout, address: address)
            } catch {
                connection.close()
                throw error
            }
        }
        return connection
    }

    private func waitForConnect(timeout: Duration, address: SocketAddress) async throws {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                let timer = ScheduledTimer.schedule(after: timeout) { [weak self] in
                    self?.finishConnect(error: SocketError(.timedOut, "connect \(address) timed out"))
                }
                let immediate: Result<Void, any Error>? = state.withLock { s in
                    if s.fd < 0 { return .failure(SocketError.closedLocally) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    let pending = SocketOptions.pendingError(s.fd)
                    if pending != 0 { return .failure(SocketError.fromErrno(pending, "connect \(address)")) }
                    if SocketAddress.of(fd: s.fd, peer: true) != nil { return .success(()) }
                    s.connectWaiter = continuation
                    s.connectTimer = timer
                    return nil
                }
                if let immediate {
                    timer.cancel()
                    continuation.resume(with: immediate)
                }
            }
        } onCancel: {
            self.finishConnect(error: CancellationError())
        }
        state.withLock { s in defer { s.connectTimer = nil }; return s.connectTimer }?.cancel()
    }

    /// Called on the loop (writable/error), by the timeout, or by cancellation.
    private func finishConnect(error overriding: (any Error)?) {
        let (waiter, result): (UnsafeContinuation<Void, any Error>?, Result<Void, any Error>) = state.withLock { s in
            guard let waiter = s.connectWaiter else { return (nil, .success(())) }
            if let overriding {
                s.connectWaiter = nil
                return (waiter, .failure(overriding))
            }
            let pending = s.fd >= 0 ? SocketOptions.pendingError(s.fd) : EBADF
            if pending != 0 {
                s.connectWaiter = nil
                return (waiter, .failure(SocketError.fromErrno(pending, "connect \(peerAddress)")))
            }
            guard SocketAddress.of(fd: s.fd, peer: true) != nil else { return (nil, .success(())) }  // still in progress
            s.connectWaiter = nil
            return (waiter, .success(()))
        }
        waiter?.resume(with: result)
    }

    // MARK: - Loop events

    /// Loop thread only.
    func handle(events: UInt32) {
        let errorOrHangup = events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0
        if events & EPOLLOUT.rawValue != 0 || errorOrHangup {
            finishConnect(error: nil)
            flushWrites()
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 || errorOrHangup {
            handleReadable(events: events)
        }
    }

    static let hangupEvents = EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue

    /// Loop thread, right after `startReceiving`: reads what is already there.
    ///
    /// A FastAGI peer sends its environment right after connecting, so it is usually waiting
    /// in the socket before the loop has fetched its readiness edge; reading at once saves a
    /// loop turn for every new call. Edges that found no receiver earlier say whether a FIN
    /// may be pending too (then read to the end).
    func handleFirstReceive() {
        let pending: UInt32 = state.withLock { s in
            defer { s.eventsWhileIdle = 0 }
            return s.eventsWhileIdle
        }
        handleReadable(events: pending != 0 ? pending : EPOLLIN.rawValue)
    }

    /// Loop thread only: feeds the push receiver, or completes a pending pull read.
    ///
    /// `events` are the epoll flags that caused the call (0 = unknown): without a FIN or error
    /// among them, a short read means the socket is drained (stream socket, edge-triggered:
    /// later data raises a new edge), which saves the `recv` that would return EAGAIN.
    func handleReadable(events: UInt32 = 0) {
        let shortReadDrains = events != 0 && events & Self.hangupEvents == 0
        let buffer = EventLoop.shared.readBuffer
        var budget = 64  // chunks per turn, so one fire-hose peer cannot starve the others
        while budget > 0 {
            budget -= 1
            enum Step { case idle, chunk(Int, Receiver), eof(Receiver), failed(Int32, Receiver), pull }
            let step: Step = state.withLock { s in
                guard s.fd >= 0 else { return .idle }
                guard let receiver = s.receiver else {
                    if s.readWaiter != nil { return .pull }
                    s.eventsWhileIdle |= events == 0 ? EPOLLIN.rawValue | Self.hangupEvents : events
                    return .idle
                }
                while true {
                    let n = recv(s.fd, buffer.baseAddress, buffer.count, 0)
                    if n > 0 { return .chunk(n, receiver) }
                    if n == 0 {
                        s.receiver = nil
                        s.closeDelivered = true
                        return .eof(receiver)
                    }
                    let code = errno
                    if code == EINTR { continue }
                    if code == EAGAIN || code == EWOULDBLOCK { return .idle }
                    s.receiver = nil
                    s.closeDelivered = true
                    return .failed(code, receiver)
                }
            }
            switch step {
            case .idle:
                return
            case let .chunk(n, receiver):
                receiver.onReceive(ArraySlice(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n)))
                if shortReadDrains && n < buffer.count { return }
            case let .eof(receiver):
                receiver.onClose(nil)
                return
            case let .failed(code, receiver):
                receiver.onClose(SocketError.fromErrno(code, "recv"))
                return
            case .pull:
                completePullRead()
                return
            }
        }
        // Budget used up: continue after the other sockets had their turn.
        EventLoop.shared.execute { self.handleReadable() }
    }
}
