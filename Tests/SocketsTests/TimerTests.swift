import Glibc
import Synchronization
import Testing
@testable import Sockets

@Suite struct ScheduledTimerTests {
    @Test func firesAfterDelayInOrder() async {
        let order = Mutex<[Int]>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            ScheduledTimer.schedule(after: .milliseconds(60)) {
                order.withLock { $0.append(2) }
                done.resume()
            }
            ScheduledTimer.schedule(after: .milliseconds(20)) { order.withLock { $0.append(1) } }
        }
        #expect(order.withLock { $0 } == [1, 2])
    }

    @Test func cancelledTimerNeverFires() async throws {
        let fired = Mutex(false)
        let timer = ScheduledTimer.schedule(after: .milliseconds(30)) { fired.withLock { $0 = true } }
        timer.cancel()
        #expect(timer.isCancelled)
        // Timers fire in deadline order, so once a later one has fired the cancelled one's
        // deadline has passed (a signal, not a sleep).
        await waitForTimer(after: .milliseconds(60))
        #expect(fired.withLock { $0 } == false)
    }

    /// Schedules a sentinel timer after `delay` and returns once it has fired: every timer with
    /// an earlier deadline has fired (or been skipped as cancelled) by then.
    func waitForTimer(after delay: Duration) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            ScheduledTimer.schedule(after: delay) { done.resume() }
        }
    }

    @Test func manyTimersCancelledOutOfOrderLeaveTheRestFiring() async throws {
        let fired = Mutex<Set<Int>>([])
        var timers: [ScheduledTimer] = []
        let started = ContinuousClock.now
        for i in 0..<1000 {
            // Deadlines 400...449 ms, interleaved, so cancelling every other one removes
            // entries from the middle of the heap.
            timers.append(ScheduledTimer.schedule(after: .milliseconds(400 + (i * 7) % 50)) {
                fired.withLock { _ = $0.insert(i) }
            })
        }
        for (i, timer) in timers.enumerated() where i % 2 == 1 { timer.cancel() }
        let cancelledInTime = ContinuousClock.now - started < .milliseconds(400)
        await waitForTimer(after: .milliseconds(500))   // after every deadline above
        let result = fired.withLock { $0 }
        #expect(result.filter { $0 % 2 == 0 }.count == 500)
        if cancelledInTime {
            #expect(result.filter { $0 % 2 == 1 }.isEmpty)
        }
    }
}

@Suite struct ResourceLimitsTests {
    @Test func raisingTheOpenFileLimitNeverLowersIt() {
        var before = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &before)
        let reported = ResourceLimits.raiseOpenFileLimit()
        var after = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &after)
        #expect(after.rlim_cur >= before.rlim_cur)
        #expect(reported == Int(clamping: after.rlim_cur))
    }
}
