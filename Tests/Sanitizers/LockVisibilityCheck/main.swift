// Shows that ThreadSanitizer sees PthreadMutex (docs/sanitizers.md). Built with
// Tests/Sanitizers/check-lock-visibility.sh: four threads add 1 to a shared counter 200,000
// times each. With the lock: exact count, no report. With `--drop-lock`: TSan reports the race
// (exit status 66), which shows the TSan run can fail.
import Foundation

final class Counter: @unchecked Sendable { var value = 0 }  // guarded by `lock`, except with --drop-lock

let lock = PthreadMutex(0)
let counter = Counter()
let dropLock = CommandLine.arguments.contains("--drop-lock")
let finished = DispatchGroup()
for _ in 0..<4 {
    finished.enter()
    Thread.detachNewThread {
        for _ in 0..<200_000 {
            if dropLock { counter.value += 1 } else { lock.withLock { _ in counter.value += 1 } }
        }
        finished.leave()
    }
}
finished.wait()
print("count", lock.withLock { _ in counter.value })
