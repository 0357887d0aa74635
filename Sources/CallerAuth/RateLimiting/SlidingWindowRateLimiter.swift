import Foundation
import Synchronization

/// Counts events per key inside a sliding time window (default 10 minutes).
///
/// Used against request flooding ("push bombing"): an attacker who keys in many known
/// numbers, or one number over and over, hoping someone approves. Each key keeps the
/// times of its recent events; older ones fall out of the window on every check, and keys
/// with no recent events are dropped, so memory stays bounded by the traffic of one window.
///
/// The clock is injected (`now`) so tests can move time without sleeping.
public final class SlidingWindowRateLimiter: Sendable {
    /// How long an event counts against its key.
    public let window: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let events = Mutex<[String: [ContinuousClock.Instant]]>([:])
    /// Keys left after the last full prune: the next one runs when the table has doubled since,
    /// so a table with many live keys is not scanned on every call (amortised O(1) per call).
    private let keysAfterFullPrune = Mutex(0)

    public init(window: Duration = .seconds(600), now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.window = window
        self.now = now
    }

    /// How many events `key` has inside the window right now.
    public func count(_ key: String) -> Int {
        let t = now()
        return events.withLock { table in
            Self.prune(&table, key: key, now: t, window: window)
            return table[key]?.count ?? 0
        }
    }

    /// Keys held (expired ones included until a prune), for tests of the memory bound.
    var keyCount: Int { events.withLock { $0.count } }

    /// Records one event for every key in `keys` if, for each, fewer than its limit are
    /// already in the window. Either all are recorded or none (so a refused call does not
    /// use up the budget of the other key). Returns the keys that were over their limit.
    public func acquire(_ keys: [(key: String, limit: Int)]) -> [String] {
        let t = now()
        return events.withLock { table in
            var refused: [String] = []
            for (key, limit) in keys {
                Self.prune(&table, key: key, now: t, window: window)
                if (table[key]?.count ?? 0) >= limit { refused.append(key) }
            }
            guard refused.isEmpty else { return refused }
            for (key, _) in keys { table[key, default: []].append(t) }
            let threshold = keysAfterFullPrune.withLock { max(4096, $0 * 2) }
            if table.count > threshold {
                Self.pruneAll(&table, now: t, window: window)
                let left = table.count
                keysAfterFullPrune.withLock { $0 = left }
            }
            return []
        }
    }

    private static func prune(_ table: inout [String: [ContinuousClock.Instant]], key: String, now: ContinuousClock.Instant, window: Duration) {
        guard var times = table[key] else { return }
        times.removeAll { now - $0 >= window }
        table[key] = times.isEmpty ? nil : times
    }

    private static func pruneAll(_ table: inout [String: [ContinuousClock.Instant]], now: ContinuousClock.Instant, window: Duration) {
        for key in Array(table.keys) { prune(&table, key: key, now: now, window: window) }
    }
}
