#if CIBA_TSAN_VISIBLE_LOCKS
import PthreadLocks

/// Only in the ThreadSanitizer build (`-Xswiftc -DCIBA_TSAN_VISIBLE_LOCKS`): `Mutex` in this
/// module is the pthread-backed lock TSan can see, shadowing `Synchronization.Mutex`
/// (a declaration in the module wins over an imported one). See docs/sanitizers.md.
typealias Mutex<Value> = PthreadMutex<Value>
#endif
