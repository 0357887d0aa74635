import CSocketsLinux
import Glibc
import Synchronization

/// Watches a descriptor that some other code owns (a C library's socket, a pipe, a timerfd)
/// on the shared epoll loop, and reports readiness to a handler **on the loop thread**.
///
/// Why: libraries such as libcurl's multi interface do their own I/O but need to be told when
/// their sockets are ready. With a watch they run on the one loop every socket of the process
/// already uses: no extra thread, no extra poller.
///
/// The watch is **level-triggered** (unlike ``TCPConnection``'s edge-triggered registration):
/// the handler is called on every loop turn while the descriptor is ready for what ``Interest``
/// asks, which is what `curl_multi_socket_action` expects. Ask only for what you will consume,
/// or the loop spins.
///
/// Rules, and what goes wrong otherwise:
/// - `cancel()` before the owner closes the descriptor. A closed descriptor leaves epoll by
///   itself, but a number the kernel reuses for a new socket must not inherit this watch.
///   After `cancel()` the handler is never called again, even for readiness already collected
///   in the current loop turn.
/// - The handler must be short and never block (it holds up every socket of the process).
/// - The watch does not own the descriptor and never closes it.
public final class FileDescriptorWatch: Sendable {
    /// What the owner wants to hear about.
    public struct Interest: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let readable = Interest(rawValue: 1)
        public static let writable = Interest(rawValue: 2)

        var epollFlags: UInt32 {
            (contains(.readable) ? EPOLLIN.rawValue | EPOLLRDHUP.rawValue : 0) | (contains(.writable) ? EPOLLOUT.rawValue : 0)
        }
    }

    /// What the descriptor is ready for. `hangUp` and `error` are reported whatever the interest.
    public struct Readiness: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let readable = Readiness(rawValue: 1)
        public static let writable = Readiness(rawValue: 2)
        public static let hangUp = Readiness(rawValue: 4)
        public static let error = Readiness(rawValue: 8)

        init(epollFlags flags: UInt32) {
            var value: Readiness = []
            if flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 { value.insert(.readable) }
            if flags & EPOLLOUT.rawValue != 0 { value.insert(.writable) }
            if flags & EPOLLHUP.rawValue != 0 { value.insert(.hangUp) }
            if flags & EPOLLERR.rawValue != 0 { value.insert(.error) }
            self = value
        }
    }

    /// The watched descriptor (not owned).
    public let fd: Int32
    private let handler: @Sendable (Readiness) -> Void
    private let cancelled = Atomic<Bool>(false)

    private init(fd: Int32, handler: @escaping @Sendable (Readiness) -> Void) {
        self.fd = fd
        self.handler = handler
    }

    /// Starts watching `fd` for `interest`; `handler` runs on the loop thread.
    ///
    /// Throws `SocketError` when epoll refuses the descriptor (not open, already watched,
    /// a regular file).
    public static func start(fd: Int32, interest: Interest,
                             handler: @escaping @Sendable (Readiness) -> Void) throws(SocketError) -> FileDescriptorWatch {
        let watch = FileDescriptorWatch(fd: fd, handler: handler)
        // The loop holds one reference from here until `cancel()` releases it (after the
        // current batch of events, so an event already collected never meets a freed object).
        let raw = Unmanaged.passRetained(watch).toOpaque()
        let token = UInt64(UInt(bitPattern: raw)) | EventLoop.watchTag
        let rc = EventLoop.shared.control(EPOLL_CTL_ADD, fd: fd, flags: interest.epollFlags, token: token)
        if rc != 0 {
            Unmanaged<FileDescriptorWatch>.fromOpaque(raw).release()
            throw SocketError.fromErrno(rc, "epoll_ctl add fd \(fd)")
        }
        return watch
    }

    /// Changes what the handler is called for. Throws `SocketError` after `cancel()` or when
    /// the descriptor was closed behind the watch's back.
    public func update(_ interest: Interest) throws(SocketError) {
        guard !isCancelled else { throw SocketError(.closed, "watch of fd \(fd) was cancelled") }
        let token = UInt64(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque())) | EventLoop.watchTag
        let rc = EventLoop.shared.control(EPOLL_CTL_MOD, fd: fd, flags: interest.epollFlags, token: token)
        if rc != 0 { throw SocketError.fromErrno(rc, "epoll_ctl modify fd \(fd)") }
    }

    /// Stops the watch at once (the descriptor leaves epoll now; it stays open). Idempotent,
    /// callable from any thread.
    public func cancel() {
        guard !cancelled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = EventLoop.shared.control(EPOLL_CTL_DEL, fd: fd, flags: 0, token: 0)
        EventLoop.shared.execute { Unmanaged.passUnretained(self).release() }
    }

    /// Whether `cancel()` was called.
    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Called by the loop thread.
    func handle(events: UInt32) {
        guard !isCancelled else { return }
        handler(Readiness(epollFlags: events))
    }
}

/// The shared socket event loop, for code outside this module that must run on it
/// (see ``FileDescriptorWatch``; timers are ``ScheduledTimer``).
public enum SocketLoop {
    /// Runs `job` on the loop thread soon, after the current batch of events, in FIFO order
    /// with other jobs. The way to hand work to loop-confined state (a libcurl multi handle)
    /// from any thread without a lock. The job must be short and never block.
    public static func execute(_ job: @escaping @Sendable () -> Void) {
        EventLoop.shared.execute(job)
    }

    /// Whether the caller runs on the loop thread.
    public static var isCurrentThread: Bool { EventLoop.shared.isCurrentThread }
}
