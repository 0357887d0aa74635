import AGI
import Synchronization

/// A session deadline clock that only moves when the test says so.
///
/// `advance(by:)` runs every scheduled action that falls due, in the order of their instants,
/// with `now` set to each action's own instant while it runs (so an action that re-arms
/// computes from the right time), and ends with `now` at the target. Actions run on the
/// caller's thread, outside the clock's lock.
public final class ManualDeadlineClock: AGIDeadlineClock {
    private struct Entry {
        var id: UInt64
        var at: ContinuousClock.Instant
        var action: @Sendable () -> Void
    }

    private struct State {
        var now: ContinuousClock.Instant
        var entries: [Entry] = []
        var nextID: UInt64 = 0
    }

    private final class Timer: AGIDeadlineTimer {
        let id: UInt64
        let clock: ManualDeadlineClock
        init(id: UInt64, clock: ManualDeadlineClock) {
            self.id = id
            self.clock = clock
        }
        func cancel() { clock.remove(id) }
    }

    private let state: Mutex<State>

    public init(start: ContinuousClock.Instant = .now) {
        state = Mutex(State(now: start))
    }

    public var now: ContinuousClock.Instant { state.withLock { $0.now } }

    /// How many actions are scheduled and not yet run or cancelled.
    public var pendingCount: Int { state.withLock { $0.entries.count } }

    public func schedule(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> any AGIDeadlineTimer {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            s.entries.append(Entry(id: s.nextID, at: instant, action: action))
            return s.nextID
        }
        return Timer(id: id, clock: self)
    }

    /// Moves time forward by `duration`, running what falls due on the way.
    public func advance(by duration: Duration) {
        let target = state.withLock { $0.now + duration }
        while true {
            let due = state.withLock { s -> Entry? in
                guard let index = s.entries.indices.filter({ s.entries[$0].at <= target })
                    .min(by: { s.entries[$0].at < s.entries[$1].at || (s.entries[$0].at == s.entries[$1].at && s.entries[$0].id < s.entries[$1].id) })
                else { return nil }
                let entry = s.entries.remove(at: index)
                if entry.at > s.now { s.now = entry.at }
                return entry
            }
            guard let due else { break }
            due.action()
        }
        state.withLock { $0.now = max($0.now, target) }
    }

    private func remove(_ id: UInt64) {
        state.withLock { $0.entries.removeAll { $0.id == id } }
    }
}
