import Foundation
import PthreadLocks
import Testing

/// The pthread-backed lock that the ThreadSanitizer build uses in place of `Mutex`
/// (docs/sanitizers.md): it must exclude, and hand back what the body returns or throws.
@Suite struct PthreadMutexTests {
    private struct Refused: Error, Equatable {}

    @Test func concurrentIncrementsUnderTheLockAreAllCounted() {
        let counter = PthreadMutex(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<20_000 { counter.withLock { $0 += 1 } }
        }
        #expect(counter.withLock { $0 } == 80_000)
    }

    @Test func aThrowingBodyReleasesTheLockAndKeepsItsChanges() {
        let lock = PthreadMutex([Int]())
        #expect(throws: Refused.self) {
            try lock.withLock { (value) throws(Refused) in
                value.append(1)
                throw Refused()
            }
        }
        // Would deadlock if the throw had left the mutex locked.
        #expect(lock.withLock { $0 } == [1])
    }
}
