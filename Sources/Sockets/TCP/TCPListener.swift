import CSocketsLinux
import Glibc
import StructuredLogging
import Synchronization

/// A listening TCP socket on the shared epoll loop.
///
/// Accepted connections are non-blocking with TCP_NODELAY set. Either call `accept()` in a loop
/// or hand the listener a callback with `startAccepting` (runs on the loop thread, no task hop
/// per connection). When the process runs out of descriptors (EMFILE/ENFILE) the listener logs
/// once and pauses accepting for `backoff` instead of spinning; the pending clients stay in the
/// kernel backlog.
public final class TCPListener: Sendable {
    /// The bound address (the real port when bound to port 0).
    public let localAddress: SocketAddress
    private let logger: Logger
    private let system: ListenerSystemCalls
    private let state: Mutex<State>
    /// How long accepting pauses after EMFILE/ENFILE/ENOBUFS/ENOMEM.
    static let backoff: Duration = .milliseconds(100)

    private struct State {
        var fd: Int32
        var waiters: [(id: UInt64, continuation: UnsafeContinuation<TCPConnection, any Error>)] = []
        var nextWaiter: UInt64 = 0
        var onAccept: (@Sendable (TCPConnection) -> Void)?
        var paused = false
        var lastExhaustionLog: UInt64 = 0
    }

    private init(fd: Int32, localAddress: SocketAddress, logger: Logger, system: ListenerSystemCalls) {
        self.localAddress = localAddress
        self.logger = logger
        self.system = system
        self.state = Mutex(State(fd: fd))
    }

    /// Binds and listens with SO_REUSEADDR. IPv6 wildcard (`[::]`) listeners are dual-stack
    /// (IPv4 peers appear as `::ffff:a.b.c.d`). Throws `.addressInUse` and other `SocketError`s.
    public static func listen(on address: SocketAddress, backlog: Int32 = 4096, logger: Logger = .disabled) throws -> TCPListener {
        try listen(on: address, backlog: backlog, logger: logger, system: .live)
    }

    /// `listen` with the system calls of `system` (tests: an `accept4` that fails on demand).
    static func listen(on address: SocketAddress, backlog: Int32 = 4096, logger: Logger = .disabled,
                       system: ListenerSystemCalls) throws -> TCPListener {
        let fd = socket(SocketOptions.family(of: address), SocketOptions.streamType, 0)
        guard fd >= 0 else { throw SocketError.fromErrno(errno, "socket") }
        SocketOptions.setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        if address.withSockAddr({ bind(fd, $0, $1) }) != 0 {
            let code = errno
            Glibc.close(fd)
            throw SocketError.fromErrno(code, "bind \(address)")
        }
        if Glibc.listen(fd, backlog) != 0 {
            let code = errno
            Glibc.close(fd)
            throw SocketError.fromErrno(code, "listen \(address)")
        }
        let bound = SocketAddress.of(fd: fd, peer: false) ?? address
        let listener = TCPListener(fd: fd, localAddress: bound, logger: logger, system: system)
        let token = UInt64(UInt(bitPattern: Unmanaged.passRetained(listener).toOpaque())) | EventLoop.listenerTag
        let rc = EventLoop.shared.register(fd: fd, token: token)
        if rc != 0 {
            Unmanaged.passUnretained(listener).release()
            Glibc.close(fd)
            throw SocketError.fromErrno(rc, "epoll_ctl")
        }
        return listener
    }

    /// The next connection. Throws `SocketError.closed` after `close()`, `CancellationError`
    /// when the task is cancelled.
    public func accept() async throws -> TCPConnection {
        if let connection = try acceptNow() { return connection }
        let id = state.withLock { s -> UInt64 in s.nextWaiter &+= 1; return s.nextWaiter }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<TCPConnection, any Error>) in
                let failure: (any Error)? = state.withLock { s in
                    if s.fd < 0 { return SocketError.closedLocally }
                    if Task.isCancelled { return CancellationError() }
                    s.waiters.append((id, continuation))
                    return nil
                }
                if let failure {
                    continuation.resume(throwing: failure)
                } else {
                    // A client may have arrived between acceptNow and queueing: look again on the loop.
                    EventLoop.shared.execute { self.handle(events: EPOLLIN.rawValue) }
                }
            }
        } onCancel: {
            let waiter = self.state.withLock { s -> UnsafeContinuation<TCPConnection, any Error>? in
                guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Push mode: `onAccept` runs on the loop thread for every new connection (keep it short:
    /// check, then start a task). Replaces `accept()`; do not mix the two.
    public func startAccepting(_ onAccept: @escaping @Sendable (TCPConnection) -> Void) {
        state.withLock { $0.onAccept = onAccept }
        EventLoop.shared.execute { self.handle(events: EPOLLIN.rawValue) }
    }

    /// Stops listening. Pending `accept()` calls throw `SocketError.closed`. Idempotent.
    public func close() {
        let waiters: [(id: UInt64, continuation: UnsafeContinuation<TCPConnection, any Error>)]? = state.withLock { s in
            guard s.fd >= 0 else { return nil }
            Glibc.close(s.fd)
            s.fd = -1
            s.onAccept = nil
            defer { s.waiters = [] }
            return s.waiters
        }
        guard let waiters else { return }
        for waiter in waiters { waiter.continuation.resume(throwing: SocketError.closedLocally) }
        EventLoop.shared.execute { Unmanaged.passUnretained(self).release() }
    }

    // MARK: - Internals

    /// One non-blocking accept. nil = nothing pending (or paused after EMFILE).
    private func acceptNow() throws -> TCPConnection? {
        enum Outcome { case fd(Int32, SocketAddress?), wouldBlock, exhausted(Int32, log: Bool), failed(Int32) }
        let outcome: Outcome = try state.withLock { s in
            guard s.fd >= 0 else { throw SocketError.closedLocally }
            if s.paused { return .wouldBlock }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            while true {
                let (fd, code) = withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        system.accept(s.fd, $0, &length, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                    }
                }
                if fd >= 0 { return .fd(fd, withUnsafePointer(to: &storage) { SocketAddress(storage: $0) }) }
                switch code {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EAGAIN, EWOULDBLOCK: return .wouldBlock
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    s.paused = true
                    // One log line per 10 s of exhaustion, not one per back-off.
                    let now = system.now()
                    let shouldLog = s.lastExhaustionLog == 0 || now - s.lastExhaustionLog > 10_000_000_000
                    if shouldLog { s.lastExhaustionLog = now }
                    return .exhausted(code, log: shouldLog)
                default: return .failed(code)
                }
            }
        }
        switch outcome {
        case let .fd(fd, peer):
            SocketOptions.noDelay(fd)
            let peerAddress = peer ?? SocketAddress.of(fd: fd, peer: true) ?? localAddress.with(port: 0)
            // Bound to one address, the local end is known; only wildcard listeners ask the kernel.
            let local = localAddress.ip.isWildcard ? (SocketAddress.of(fd: fd, peer: false) ?? localAddress) : localAddress
            let connection = TCPConnection(fd: fd, peer: peerAddress, local: local)
            try connection.register()
            return connection
        case .wouldBlock:
            return nil
        case let .exhausted(code, shouldLog):
            if shouldLog {
                logger.warning("socket.accept_paused", [
                    "listen": localAddress.description, "reason": String(cString: strerror(code)),
                    "backoff_ms": "100",
                ])
            }
            system.schedule(Self.backoff) { [weak self] in
                guard let self else { return }
                self.state.withLock { $0.paused = false }
                self.handle(events: EPOLLIN.rawValue)
            }
            return nil
        case let .failed(code):
            throw SocketError.fromErrno(code, "accept")
        }
    }

    /// Loop thread: clients are waiting in the backlog.
    func handle(events: UInt32) {
        var budget = 256
        while budget > 0 {
            budget -= 1
            let (onAccept, waiter): ((@Sendable (TCPConnection) -> Void)?, (id: UInt64, continuation: UnsafeContinuation<TCPConnection, any Error>)?) =
                state.withLock { s in
                    if let onAccept = s.onAccept { return (onAccept, nil) }
                    return (nil, s.waiters.isEmpty ? nil : s.waiters.removeFirst())
                }
            guard onAccept != nil || waiter != nil else { return }
            let connection: TCPConnection?
            do {
                connection = try acceptNow()
            } catch {
                if let waiter { waiter.continuation.resume(throwing: error); continue }
                if let error = error as? SocketError, error.kind == .closed { return }
                // Not retried in a loop: a persistent error would spin. The next client retries.
                logger.warning("socket.accept_failed", ["listen": localAddress.description, "error": "\(error)"])
                return
            }
            guard let connection else {
                if let waiter { state.withLock { $0.waiters.insert(waiter, at: 0) } }
                return
            }
            if let waiter { waiter.continuation.resume(returning: connection) } else { onAccept?(connection) }
        }
        EventLoop.shared.execute { self.handle(events: EPOLLIN.rawValue) }
    }
}
