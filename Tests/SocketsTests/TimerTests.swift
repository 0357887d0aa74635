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
        try await Task.sleep(for: .milliseconds(120))
        #expect(fired.withLock { $0 } == false)
    }

    @Test func manyTimersCancelledOutOfOrderLeaveTheRestFiring() async throws {
        let count = Mutex(0)
        var timers: [ScheduledTimer] = []
        for i in 0..<1000 {
            timers.append(ScheduledTimer.schedule(after: .milliseconds(10 + (i * 7) % 50)) {
                count.withLock { $0 += 1 }
            })
        }
        for (i, timer) in timers.enumerated() where i % 2 == 1 { timer.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(count.withLock { $0 } == 500)
    }
}
