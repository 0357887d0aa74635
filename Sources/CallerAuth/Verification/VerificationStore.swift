import Foundation

/// Where verification records live and how their changes travel.
///
/// The default is ``InMemoryVerificationStore`` (one process); a shared store (Redis) lets
/// several servers see each other's verifications. Implementations must keep nothing but
/// what the record holds, forget records after the retention time, and publish every save.
public protocol VerificationStore: Sendable {
    /// Inserts or replaces the record with this `txn`, then publishes it to every subscriber.
    func save(_ record: VerificationRecord) async
    /// The record with this `txn`; nil when unknown or past retention.
    func record(txn: String) async -> VerificationRecord?
    /// The newest record whose `uniqueID` or `linkedID` is `callID`.
    func latest(forCall callID: String) async -> VerificationRecord?
    /// Up to `limit` records, newest first.
    func recent(limit: Int) async -> [VerificationRecord]
    /// Every save from the moment of this call on (on all servers for a shared store).
    /// A subscriber that falls too far behind is disconnected: its stream finishes after the
    /// events it had buffered, so a slow reader can never make the store grow without bound.
    func events() -> AsyncStream<VerificationRecord>
}
