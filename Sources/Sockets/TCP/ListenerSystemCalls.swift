import CSocketsLinux
import Glibc

/// The three things `TCPListener` asks of the system when it accepts: `accept4`, the
/// monotonic clock (how long since the last "accept paused" line) and a one-shot timer (the
/// back-off before accepting again).
///
/// Production always uses `live`. Tests hand a listener their own, so that `accept4` can report
/// EMFILE/ENFILE without the test process really running out of descriptors (real exhaustion
/// also starves libdispatch and the Swift runtime, which trap) and the back-off runs on a
/// manual clock instead of a real 100 ms.
struct ListenerSystemCalls: Sendable {
    /// `accept4(listenerFD, address, length, flags)`: the new descriptor, or -1 and the errno.
    var accept: @Sendable (
        _ listenerFD: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>, _ flags: Int32
    ) -> (fd: Int32, errorNumber: Int32)
    /// Monotonic nanoseconds.
    var now: @Sendable () -> UInt64
    /// Runs `action` once after `delay` (in production on the event-loop thread).
    var schedule: @Sendable (_ delay: Duration, _ action: @escaping @Sendable () -> Void) -> Void

    static let live = ListenerSystemCalls(
        accept: { listenerFD, address, length, flags in
            let fd = csockets_accept4(listenerFD, address, length, flags)
            return (fd, fd >= 0 ? 0 : errno)
        },
        now: { EventLoop.now() },
        schedule: { delay, action in ScheduledTimer.schedule(after: delay, action) }
    )
}
