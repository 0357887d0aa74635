#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A lock around a value with the same `withLock` API as `Synchronization.Mutex`, backed by a
/// `pthread_mutex_t`, so ThreadSanitizer sees every acquire and release.
///
/// Why it exists: on Linux the toolchain's `Mutex` locks with atomics and `futex` inside the
/// standard library, which is not built with TSan, so a TSan run reports every access that
/// `Mutex` guards as a race (docs/sanitizers.md). The shipping build keeps `Mutex`; a build
/// with `-Xswiftc -DCIBA_TSAN_VISIBLE_LOCKS` shadows `Mutex` in each module with this type
/// (see that module's `TSanVisibleMutex.swift`), so the code under test is otherwise the same.
///
/// What can go wrong: `pthread_mutex_t` must never move once initialised, which is why it is
/// allocated once on the heap and owned by a final class (a struct or a stored property could
/// be moved by Swift). The mutex is the default, non-recursive kind: locking it again from
/// inside `withLock` deadlocks, exactly as `Mutex` does.
public final class PthreadMutex<Value>: @unchecked Sendable {
    // Invariant for @unchecked Sendable: `value` is read and written only inside `withLock`,
    // between `pthread_mutex_lock` and `pthread_mutex_unlock` of `mutex`; `mutex` is
    // initialised in `init`, never moved, and destroyed only in `deinit`, when no thread can
    // hold a reference any more.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// Creates the lock holding `initialValue`, like `Mutex(_:)`.
    public init(_ initialValue: consuming sending Value) {
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed (\(status))")
        value = initialValue
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value, like `Mutex.withLock(_:)`. The lock is
    /// released when `body` returns or throws.
    public func withLock<Result, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
