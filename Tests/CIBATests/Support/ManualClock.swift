import Foundation

/// A test clock: time moves only when the test says so.
///
/// - `autoAdvance: true`: every `sleep(until:)` jumps time to its deadline and returns at once,
///   so a whole polling run executes in microseconds and the transport can record at which
///   clock time each request was sent.
/// - `autoAdvance: false`: sleepers wait until `advance(by:)` passes their deadline; tests
///   use `waitForSleepers(_:)` to know the code under test is parked in a sleep.
final class ManualClock: Clock, @unchecked Sendable {
    typealias Duration = Swift.Duration

    struct Instant: InstantProtocol {
        var offset: Swift.Duration
        func advanced(by duration: Swift.Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Swift.Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        let id: Int
        let deadline: Swift.Duration
        let continuation: CheckedContinuation<Void, any Error>
    }

    let autoAdvance: Bool
    /// With `autoAdvance`, how far past its deadline a sleep ends (a late wake-up).
    let overshoot: Swift.Duration
    private let lock = NSLock()
    private var current: Swift.Duration = .zero
    private var sleepers: [Sleeper] = []
    private var nextID = 0
    private var requestedDeadlines: [Swift.Duration] = []

    init(autoAdvance: Bool = true, overshoot: Swift.Duration = .zero) {
        self.autoAdvance = autoAdvance
        self.overshoot = overshoot
    }

    var now: Instant { lock.lock(); defer { lock.unlock() }; return Instant(offset: current) }
    var minimumResolution: Swift.Duration { .nanoseconds(1) }

    /// Every deadline any sleeper asked for, in order.
    var deadlines: [Swift.Duration] { lock.lock(); defer { lock.unlock() }; return requestedDeadlines }
    var sleeperCount: Int { lock.lock(); defer { lock.unlock() }; return sleepers.count }

    func sleep(until deadline: Instant, tolerance: Swift.Duration?) async throws {
        try Task.checkCancellation()
        if autoAdvance {
            lock.withLock {
                requestedDeadlines.append(deadline.offset)
                if deadline.offset + overshoot > current { current = deadline.offset + overshoot }
            }
            await Task.yield()
            try Task.checkCancellation()
            return
        }
        let id = lock.withLock {
            let id = nextID
            nextID += 1
            requestedDeadlines.append(deadline.offset)
            return id
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                lock.lock()
                if deadline.offset <= current {
                    lock.unlock()
                    continuation.resume()
                    return
                }
                sleepers.append(Sleeper(id: id, deadline: deadline.offset, continuation: continuation))
                lock.unlock()
            }
        } onCancel: {
            lock.lock()
            let index = sleepers.firstIndex(where: { $0.id == id })
            let sleeper = index.map { sleepers.remove(at: $0) }
            lock.unlock()
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has passed.
    func advance(by duration: Swift.Duration) {
        lock.lock()
        current += duration
        let due = sleepers.filter { $0.deadline <= current }
        sleepers.removeAll { $0.deadline <= current }
        lock.unlock()
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Waits (real time, bounded) until at least `count` tasks sleep on this clock.
    func waitForSleepers(_ count: Int, timeout: Swift.Duration = .seconds(120)) async -> Bool {  // a failure bound only
        let start = ContinuousClock.now
        while sleeperCount < count {
            if ContinuousClock.now - start > timeout { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }
}
