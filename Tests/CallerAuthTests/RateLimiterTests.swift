import Foundation
import Synchronization
import Testing
@testable import CallerAuth

/// A clock the test moves by hand.
final class ManualTime: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(_ duration: Duration) { instant.withLock { $0 = $0 + duration } }
}

@Suite("rate limits")
struct RateLimiterTests {
    @Test func slidingWindowForgetsOldEvents() {
        let time = ManualTime()
        let limiter = SlidingWindowRateLimiter(window: .seconds(600), now: { time.now })
        #expect(limiter.acquire([("a", 2)]).isEmpty)
        time.advance(.seconds(300))
        #expect(limiter.acquire([("a", 2)]).isEmpty)
        #expect(limiter.acquire([("a", 2)]) == ["a"])
        time.advance(.seconds(301))            // the first event is now 601 s old
        #expect(limiter.count("a") == 1)
        #expect(limiter.acquire([("a", 2)]).isEmpty)
        #expect(limiter.acquire([("a", 2)]) == ["a"])
        time.advance(.seconds(600))
        #expect(limiter.count("a") == 0)
    }

    @Test func perNumberAndPerCallerLimits() {
        let time = ManualTime()
        let limits = AuthenticationRateLimits(perCaller: 3, perNumber: 2, now: { time.now })
        #expect(limits.admit(callerID: "+4611", number: "196802020575") == .admitted)
        #expect(limits.admit(callerID: "+4622", number: "196802020575") == .admitted)
        // A third request for the same number from yet another caller: refused.
        #expect(limits.admit(callerID: "+4633", number: "196802020575") == .refused(which: ["number"]))
        // One caller trying many numbers.
        #expect(limits.admit(callerID: "+4611", number: "199010109909") == .admitted)
        #expect(limits.admit(callerID: "+4611", number: "199001019810") == .admitted)
        #expect(limits.admit(callerID: "+4611", number: "199002029826") == .refused(which: ["caller"]))
        time.advance(.seconds(601))
        #expect(limits.admit(callerID: "+4611", number: "196802020575") == .admitted)
    }

    @Test func refusedRequestsDoNotUseUpTheBudget() {
        let time = ManualTime()
        let limits = AuthenticationRateLimits(perCaller: 1, perNumber: 5, now: { time.now })
        #expect(limits.admit(callerID: "+4611", number: "1") == .admitted)
        for _ in 0..<5 { #expect(limits.admit(callerID: "+4611", number: "2") == .refused(which: ["caller"])) }
        // Number 2 was never counted, so another caller may still use it five times.
        for _ in 0..<5 { #expect(limits.admit(callerID: "+4699", number: "2") != .refused(which: ["number"])) }
    }

    @Test func anonymousCallersShareOneBucket() {
        let time = ManualTime()
        let limits = AuthenticationRateLimits(perCaller: 2, perNumber: 10, now: { time.now })
        #expect(limits.admit(callerID: "unknown", number: "1") == .admitted)
        #expect(limits.admit(callerID: "", number: "2") == .admitted)
        #expect(limits.admit(callerID: "anonymous", number: "3") == .refused(which: ["caller"]))
    }
}

extension RateLimiterTests {
    /// Many live keys (a busy call center: thousands of callers and numbers in 10 minutes) must
    /// not make every check scan the whole table; expired keys still go once the table has doubled.
    @Test func manyKeysArePrunedInBatchesNotOnEveryCheck() {
        let time = ManualTime()
        let limiter = SlidingWindowRateLimiter(window: .seconds(600), now: { time.now })
        for i in 0..<5000 { #expect(limiter.acquire([("old-\(i)", 1)]).isEmpty) }
        #expect(limiter.keyCount == 5000)  // all live: kept
        time.advance(.seconds(601))
        for i in 0..<4000 { #expect(limiter.acquire([("new-\(i)", 1)]).isEmpty) }
        // The full prune ran when the table passed twice the 4,097 keys left by the first one:
        // every old key is gone, every new one is there.
        #expect(limiter.keyCount == 4000)
        #expect(limiter.count("new-0") == 1 && limiter.count("old-0") == 0)
    }
}
