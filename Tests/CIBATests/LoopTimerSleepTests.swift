import Testing
@testable import CIBA

/// The real clock's sleep on the socket loop's timers (LoopTimerSleep, used by ElapsedClock
/// for `ContinuousClock`).
@Suite("Loop timer sleep")
struct LoopTimerSleepTests {
    @Test("sleeps at least the delay")
    func sleepsTheDelay() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        try await LoopTimerSleep.sleep(for: .milliseconds(50))
        #expect(clock.now - started >= .milliseconds(50))
    }

    @Test("cancellation ends a long sleep with CancellationError (the bug case sleeps an hour)")
    func cancellationEndsTheSleep() async {
        let sleeping = Task { try await LoopTimerSleep.sleep(for: .seconds(3600)) }
        sleeping.cancel()
        let result = await sleeping.result
        #expect(throws: CancellationError.self) { try result.get() }
    }

    @Test("a task cancelled before it sleeps does not sleep")
    func cancelledBeforeTheSleep() async {
        let sleeping = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await LoopTimerSleep.sleep(for: .seconds(3600))
        }
        let result = await sleeping.result
        #expect(throws: CancellationError.self) { try result.get() }
    }

    @Test("ElapsedClock over ContinuousClock sleeps until the deadline and stops on cancellation")
    func elapsedClockUsesIt() async throws {
        let clock = ElapsedClock(ContinuousClock())
        let deadline = clock.now() + .milliseconds(30)
        try await clock.sleep(until: deadline)
        #expect(clock.now() >= deadline)
        let sleeping = Task { try await clock.sleep(until: clock.now() + .seconds(3600)) }
        sleeping.cancel()
        let result = await sleeping.result
        #expect(throws: CancellationError.self) { try result.get() }
    }
}
