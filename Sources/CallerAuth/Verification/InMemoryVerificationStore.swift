import Foundation

/// The default ``VerificationStore``: records of this process, kept for the retention time.
///
/// A record is forgotten `retention` after its last update (`updatedAt`), measured with the
/// injected `now` so tests can move time. Expired records are invisible at once and removed
/// by a sweep at most once per minute of that clock (a sweep is a full scan). `maxRecords`
/// bounds memory even under a flood within one retention period: beyond it the records
/// updated longest ago go first.
public actor InMemoryVerificationStore: VerificationStore {
    public let retention: Duration
    public let maxRecords: Int
    private let now: @Sendable () -> Date
    private let broadcaster: VerificationEventBroadcaster
    private var records: [String: VerificationRecord] = [:]
    /// Insertion order, to break `createdAt` ties (newest = inserted last).
    private var sequence: [String: Int] = [:]
    private var nextSequence = 0
    private var lastSweep: Date

    /// - Parameters:
    ///   - retentionMinutes: `verificationRetentionMinutes` (default 60).
    ///   - eventBufferLimit: records a slow subscriber may have unread before it is disconnected.
    public init(retentionMinutes: Int = 60, maxRecords: Int = 200_000, eventBufferLimit: Int = 1024,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.retention = .seconds(max(1, retentionMinutes) * 60)
        self.maxRecords = max(1, maxRecords)
        self.now = now
        self.broadcaster = VerificationEventBroadcaster(bufferLimit: eventBufferLimit)
        self.lastSweep = now()
    }

    public func save(_ record: VerificationRecord) {
        sweepIfDue()
        if sequence[record.txn] == nil {
            sequence[record.txn] = nextSequence
            nextSequence += 1
        }
        records[record.txn] = record
        // Evict a hundredth at once so a flood does not sort the table on every save.
        if records.count > maxRecords { evictOldest(records.count - maxRecords + maxRecords / 100) }
        broadcaster.publish(record)
    }

    public func record(txn: String) -> VerificationRecord? {
        guard let record = records[txn], isLive(record) else { return nil }
        return record
    }

    public func latest(forCall callID: String) -> VerificationRecord? {
        records.values.filter { $0.belongs(toCall: callID) && isLive($0) }.max(by: isOlder)
    }

    public func recent(limit: Int) -> [VerificationRecord] {
        guard limit > 0 else { return [] }
        return Array(records.values.filter(isLive).sorted(by: { isOlder($1, $0) }).prefix(limit))
    }

    public nonisolated func events() -> AsyncStream<VerificationRecord> {
        broadcaster.subscribe()
    }

    /// Records held, expired or not yet swept included (for tests and metrics).
    public var count: Int { records.count }

    private func isLive(_ record: VerificationRecord) -> Bool {
        now().timeIntervalSince(record.updatedAt) < retentionSeconds
    }

    private var retentionSeconds: TimeInterval { TimeInterval(retention.components.seconds) }

    private func isOlder(_ a: VerificationRecord, _ b: VerificationRecord) -> Bool {
        if a.createdAt != b.createdAt { return a.createdAt < b.createdAt }
        return (sequence[a.txn] ?? 0) < (sequence[b.txn] ?? 0)
    }

    private func sweepIfDue() {
        let t = now()
        guard t.timeIntervalSince(lastSweep) >= 60 else { return }
        lastSweep = t
        for (txn, record) in records where !isLive(record) {
            records[txn] = nil
            sequence[txn] = nil
        }
    }

    private func evictOldest(_ n: Int) {
        let victims = records.values.sorted { $0.updatedAt < $1.updatedAt }.prefix(n)
        for record in victims {
            records[record.txn] = nil
            sequence[record.txn] = nil
        }
    }
}
