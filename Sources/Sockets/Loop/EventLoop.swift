import CSocketsLinux
import Glibc
import Synchronization

/// The single epoll event loop every socket and timer of the process runs on.
///
/// One plain pthread blocks in `epoll_wait`; sockets are registered once, edge-triggered, for
/// input and output, so an idle connection costs one epoll entry and nothing else (no task, no
/// thread, no syscall). Work from other threads reaches the loop through `execute` (a job queue
/// plus an `eventfd` wake-up that is only written while the loop sleeps). Timers live in a heap
/// guarded by the same mutex and bound the `epoll_wait` timeout.
///
/// Everything the loop runs (socket callbacks, timer actions, jobs) must be short and must never
/// block: it delays every other connection in the process.
final class EventLoop: @unchecked Sendable {  // mutable state is in `shared` (Mutex) or loop-confined (see below)
    static let shared = EventLoop()

    let epollFD: Int32
    private let wakeFD: Int32
    private let shared = Mutex(SharedState())
    private var thread = pthread_t()  // written once in init before `shared` is published

    /// Loop-confined: only the loop thread reads into it (push-mode receives).
    let readBuffer: UnsafeMutableRawBufferPointer

    /// Job rounds per loop turn (see `run`).
    static let drainRounds = 8

    /// Tags in the low bits of `epoll_event.data.u64` (objects are 16-byte aligned): none =
    /// connection, 1 = listener, 2 = ``FileDescriptorWatch``; 0 itself = wake fd.
    static let listenerTag: UInt64 = 1
    static let watchTag: UInt64 = 2

    /// Work queued for the loop thread: plain closures, or Swift tasks that prefer the loop
    /// as their executor (see `SocketLoopExecutor`).
    enum Job: Sendable {
        case closure(@Sendable () -> Void)
        case task(UnownedJob)
    }

    struct SharedState {
        var jobs: [Job] = []
        var timers = TimerHeap()
        var sleeping = false
        var sleepingUntil: UInt64 = .max
    }

    private init() {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
        if epollFD < 0 || wakeFD < 0 {
            // No way to run sockets at all (fd exhaustion at start-up); every operation then
            // fails with EBADF, which surfaces as SocketError instead of a crash.
            return
        }
        var event = epoll_event()
        csockets_event_set(&event, EPOLLIN.rawValue, 0)
        _ = epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)
        let context = Unmanaged.passRetained(self).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setstacksize(&attributes, 1 << 20)
        let rc = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            let loop = Unmanaged<EventLoop>.fromOpaque(raw).takeUnretainedValue()
            loop.run()
            return nil
        }, context)
        pthread_attr_destroy(&attributes)
        if rc == 0 {
            pthread_detach(thread)
        }
    }

    var isCurrentThread: Bool { pthread_equal(pthread_self(), thread) != 0 }

    // MARK: - Registration

    /// Adds `fd` for edge-triggered input, output and peer half-close.
    func register(fd: Int32, token: UInt64) -> Int32 {
        var event = epoll_event()
        csockets_event_set(&event, EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue, token)
        return epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 ? 0 : errno
    }

    /// Adds, modifies or removes `fd` with level-triggered `flags` (``FileDescriptorWatch``).
    func control(_ operation: Int32, fd: Int32, flags: UInt32, token: UInt64) -> Int32 {
        var event = epoll_event()
        csockets_event_set(&event, flags, token)
        return epoll_ctl(epollFD, operation, fd, &event) == 0 ? 0 : errno
    }

    // MARK: - Jobs and timers

    /// Runs `job` on the loop thread soon (after the current batch of events), in FIFO order.
    func execute(_ job: @escaping @Sendable () -> Void) {
        enqueue(.closure(job))
    }

    func enqueue(_ job: Job) {
        let wake = shared.withLock { state -> Bool in
            state.jobs.append(job)
            if state.sleeping { state.sleeping = false; return true }
            return false
        }
        if wake { wakeUp() }
    }

    func schedule(_ timer: ScheduledTimer) {
        let wake = shared.withLock { state -> Bool in
            state.timers.insert(timer)
            if state.sleeping && timer.deadline < state.sleepingUntil { state.sleeping = false; return true }
            return false
        }
        if wake { wakeUp() }
    }

    func cancel(_ timer: ScheduledTimer) {
        shared.withLock { state in
            timer.cancelled = true
            state.timers.remove(timer)
        }
    }

    func isCancelled(_ timer: ScheduledTimer) -> Bool { shared.withLock { _ in timer.cancelled } }

    private func wakeUp() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    // MARK: - The loop

    private func run() {
        let capacity = 512
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        var due: [ScheduledTimer] = []
        var jobs: [Job] = []
        let executor = SocketLoopExecutor.shared.asUnownedTaskExecutor()
        while true {
            let timeout: Int32 = shared.withLock { state in
                guard state.jobs.isEmpty else { return 0 }
                let next = state.timers.nextDeadline
                if next == .max {
                    state.sleeping = true
                    state.sleepingUntil = .max
                    return -1
                }
                let now = Self.now()
                if next <= now { return 0 }
                state.sleeping = true
                state.sleepingUntil = next
                // Round up so a timer never fires early.
                return Int32(clamping: (next - now + 999_999) / 1_000_000)
            }
            let count = epoll_wait(epollFD, events, Int32(capacity), timeout)
            shared.withLock { $0.sleeping = false }
            if count > 0 {
                for i in 0..<Int(count) {
                    let token = csockets_event_token(events, Int32(i))
                    let flags = csockets_event_flags(events, Int32(i))
                    if token == 0 {
                        var value: UInt64 = 0
                        _ = Glibc.read(wakeFD, &value, 8)
                    } else if token & Self.watchTag != 0 {
                        let raw = UnsafeRawPointer(bitPattern: UInt(token & ~Self.watchTag))!
                        Unmanaged<FileDescriptorWatch>.fromOpaque(raw).takeUnretainedValue().handle(events: flags)
                    } else if token & Self.listenerTag != 0 {
                        let raw = UnsafeRawPointer(bitPattern: UInt(token & ~Self.listenerTag))!
                        Unmanaged<TCPListener>.fromOpaque(raw).takeUnretainedValue().handle(events: flags)
                    } else {
                        let raw = UnsafeRawPointer(bitPattern: UInt(token))!
                        Unmanaged<TCPConnection>.fromOpaque(raw).takeUnretainedValue().handle(events: flags)
                    }
                }
            }
            // Timers that are due.
            let now = Self.now()
            shared.withLock { state in
                while let first = state.timers.first, first.deadline <= now {
                    state.timers.remove(first)
                    due.append(first)
                }
            }
            for timer in due { timer.action() }
            due.removeAll(keepingCapacity: true)
            // Jobs posted so far (including releases of closed sockets: they run only after
            // the batch above, so an event in that batch never meets a freed object). Jobs that
            // these jobs post run in further rounds of the same turn: a new call goes from
            // accept through its task, the environment read and the first command without
            // waiting for other sockets' events in between. The rounds are bounded so that a
            // task that keeps re-scheduling itself cannot starve I/O.
            for _ in 0..<Self.drainRounds {
                shared.withLock { state in swap(&jobs, &state.jobs) }
                if jobs.isEmpty { break }
                for job in jobs {
                    switch job {
                    case let .closure(body): body()
                    case let .task(task): task.runSynchronously(on: executor)
                    }
                }
                jobs.removeAll(keepingCapacity: true)
            }
        }
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func deadline(after delay: Duration) -> UInt64 {
        let (seconds, attoseconds) = delay.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return now() }
        let nanos = UInt64(clamping: seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if nanos.overflow { return .max - 1 }
        let total = nanos.partialValue.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        let sum = now().addingReportingOverflow(total.partialValue)
        return (total.overflow || sum.overflow) ? .max - 1 : min(sum.partialValue, .max - 1)
    }
}
