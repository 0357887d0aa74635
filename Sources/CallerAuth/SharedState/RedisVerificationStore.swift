import Foundation
import Synchronization
import RESP
import StructuredLogging

/// Verification records in the shared store, so every server's agents see every verification,
/// and their changes published so every server's event stream (the agent SSE) carries them.
///
/// Layout (all under `keyPrefix`):
/// - `v:<txn>`: the record as JSON (what ``VerificationRecord`` holds: masked number, status,
///   claims, uniqueid, linkedid, initiator; never a full number or caller id), expiring
///   `verificationRetentionMinutes` after its last save;
/// - `v:recent`: sorted set of txns by creation time (ms), trimmed to the retention;
/// - `v:call:<uniqueid or linkedid>`: sorted set of the call's txns, same expiry;
/// - channels `events` (every save, with the saving server's id) and `cancel` (an agent's
///   cancel for whichever server runs the verification).
///
/// Every save also goes to a local ``InMemoryVerificationStore``: while the store is away,
/// saves and reads fall back to it (calls go on; agents see this server's records), and a
/// record saved during the outage stays readable here. Events of this server reach its own
/// subscribers directly, never through the store, so they flow during an outage too; other
/// servers' events arrive through the subscription (missed while it is down).
public final class RedisVerificationStore: VerificationStore, VerificationCancelRelay, Sendable {
    public let retention: Duration
    /// This process's id in published messages (its own messages are not delivered twice).
    public let serverID: String
    private let client: RedisClient
    private let subscriber: RedisSubscriber
    private let keyPrefix: String
    private let health: SharedStateHealth
    private let local: InMemoryVerificationStore
    private let broadcaster: VerificationEventBroadcaster
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let maxRecent: Int

    private struct Subscription {
        var subscribed = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var cancelHandler: (@Sendable (String, String, String) async -> Void)?
        var reader: Task<Void, Never>?
    }
    private let subscription = Mutex(Subscription())

    /// An event on the `events` channel.
    struct EventMessage: Codable {
        var origin: String
        var record: VerificationRecord
    }

    /// A cancel request on the `cancel` channel.
    struct CancelMessage: Codable {
        var origin: String
        var txn: String
        var error: String
        var reason: String
    }

    public init(client: RedisClient, subscriberConfiguration: RedisClientConfiguration, keyPrefix: String,
                retentionMinutes: Int, health: SharedStateHealth, logger: Logger, maxRecent: Int = 200_000,
                eventBufferLimit: Int = 1024, serverID: String = UUID().uuidString.lowercased(),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.keyPrefix = keyPrefix
        self.retention = .seconds(max(1, retentionMinutes) * 60)
        self.health = health
        self.logger = logger
        self.now = now
        self.maxRecent = max(1, maxRecent)
        self.serverID = serverID
        self.local = InMemoryVerificationStore(retentionMinutes: retentionMinutes, eventBufferLimit: 1, now: now)
        self.broadcaster = VerificationEventBroadcaster(bufferLimit: eventBufferLimit)
        self.subscriber = RedisSubscriber(configuration: subscriberConfiguration,
                                          channels: [keyPrefix + "events", keyPrefix + "cancel"], logger: logger)
    }

    var eventsChannel: String { keyPrefix + "events" }
    var cancelChannel: String { keyPrefix + "cancel" }
    private var recentKey: String { keyPrefix + "v:recent" }
    private func recordKey(_ txn: String) -> String { keyPrefix + "v:" + txn }
    private func callKey(_ callID: String) -> String { keyPrefix + "v:call:" + callID }
    private var retentionMs: Int64 { retention.components.seconds * 1000 }

    // MARK: - Lifecycle

    /// Connects the subscription (in the background; reconnects by itself).
    public func start() {
        subscription.withLock { s in
            guard s.reader == nil else { return }
            let events = subscriber.events
            s.reader = Task { [self] in
                for await event in events { self.handle(event) }
            }
        }
        subscriber.start()
    }

    /// Ends the subscription and every event stream.
    public func stop() async {
        await subscriber.stop()
        let reader = subscription.withLock { $0.reader }
        await reader?.value
        broadcaster.finishAll()
        let waiters = subscription.withLock { s in defer { s.waiters = [] }; return s.waiters }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the subscription is active (other servers' events arrive from then on), at
    /// most `timeout`; false when it is not. A readiness signal for tests and start-up.
    public func waitUntilSubscribed(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let ready = self.subscription.withLock { s -> Bool in
                        if s.subscribed { return true }
                        s.waiters.append(continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            // The waiter of a timed-out wait stays registered until the next subscription; harmless.
            return first && self.isSubscribed
        }
    }

    public var isSubscribed: Bool { subscription.withLock { $0.subscribed } }

    private func handle(_ event: RedisPubSubEvent) {
        switch event {
        case .subscribed:
            let waiters = subscription.withLock { s in
                s.subscribed = true
                defer { s.waiters = [] }
                return s.waiters
            }
            for waiter in waiters { waiter.resume() }
        case .disconnected:
            subscription.withLock { $0.subscribed = false }
        case .message(let channel, let payload):
            if channel == eventsChannel {
                guard let message = try? Self.decoder.decode(EventMessage.self, from: Data(payload)) else {
                    return logger.warning("shared_state.bad_message", ["channel": "events", "bytes": String(payload.count)])
                }
                if message.origin != serverID { broadcaster.publish(message.record) }
            } else if channel == cancelChannel {
                guard let message = try? Self.decoder.decode(CancelMessage.self, from: Data(payload)) else {
                    return logger.warning("shared_state.bad_message", ["channel": "cancel", "bytes": String(payload.count)])
                }
                guard message.origin != serverID, let handler = subscription.withLock({ $0.cancelHandler }) else { return }
                Task { await handler(message.txn, message.error, message.reason) }
            }
        }
    }

    // MARK: - VerificationStore

    public func save(_ record: VerificationRecord) async {
        await local.save(record)
        broadcaster.publish(record)
        guard let json = try? Self.encoder.encode(record),
              let message = try? Self.encoder.encode(EventMessage(origin: serverID, record: record)) else { return }
        let createdMs = String(Int64((record.createdAt.timeIntervalSince1970 * 1000).rounded(.down)))
        let cutoff = String(Int64((now().timeIntervalSince1970 * 1000).rounded(.down)) - retentionMs)
        var commands = [
            RedisCommand("SET", bytes: [Array(recordKey(record.txn).utf8), Array(json), Array("PX".utf8), Array(String(retentionMs).utf8)]),
            RedisCommand("ZADD", [recentKey, createdMs, record.txn]),
            RedisCommand("ZREMRANGEBYSCORE", [recentKey, "-inf", "(" + cutoff]),
            RedisCommand("ZREMRANGEBYRANK", [recentKey, "0", String(-(maxRecent + 1))]),
            RedisCommand("PEXPIRE", [recentKey, String(retentionMs)]),
        ]
        for callID in Set([record.uniqueID, record.linkedID].compactMap { $0 }.filter { !$0.isEmpty }) {
            commands.append(RedisCommand("ZADD", [callKey(callID), createdMs, record.txn]))
            commands.append(RedisCommand("PEXPIRE", [callKey(callID), String(retentionMs)]))
        }
        commands.append(RedisCommand("PUBLISH", bytes: [Array(eventsChannel.utf8), Array(message)]))
        do {
            let replies = try await client.pipeline(commands)
            if let refused = zip(commands, replies).first(where: { if case .error = $0.1 { true } else { false } }) {
                throw RedisError(.serverError, "\(client.configuration.endpoint.server) refused \(refused.0.name) while saving a verification")
            }
            health.succeeded()
        } catch {
            health.failed(error, operation: "save verification")
        }
    }

    public func record(txn: String) async -> VerificationRecord? {
        do {
            let reply = try await client.execute(RedisCommand("GET", [recordKey(txn)]))
            health.succeeded()
            if let bytes = reply.bytes, let record = try? Self.decoder.decode(VerificationRecord.self, from: Data(bytes)) {
                return record
            }
        } catch {
            health.failed(error, operation: "read verification")
        }
        return await local.record(txn: txn)
    }

    public func latest(forCall callID: String) async -> VerificationRecord? {
        guard !callID.isEmpty else { return nil }
        do {
            let txns = try await client.execute(RedisCommand("ZREVRANGE", [callKey(callID), "0", "19"])).elements?.compactMap(\.string) ?? []
            let records = try await fetch(txns)
            health.succeeded()
            if let newest = records.filter({ $0.belongs(toCall: callID) }).max(by: { $0.createdAt < $1.createdAt }) {
                return newest
            }
        } catch {
            health.failed(error, operation: "read verification")
        }
        return await local.latest(forCall: callID)
    }

    public func recent(limit: Int) async -> [VerificationRecord] {
        guard limit > 0 else { return [] }
        let cutoff = String(Int64((now().timeIntervalSince1970 * 1000).rounded(.down)) - retentionMs)
        do {
            let reply = try await client.execute(RedisCommand("ZREVRANGEBYSCORE", [recentKey, "+inf", "(" + cutoff, "LIMIT", "0", String(min(limit, 10_000))]))
            let records = try await fetch(reply.elements?.compactMap(\.string) ?? [])
            health.succeeded()
            return records
        } catch {
            health.failed(error, operation: "list verifications")
            return await local.recent(limit: limit)
        }
    }

    public func events() -> AsyncStream<VerificationRecord> {
        broadcaster.subscribe()
    }

    /// The records of `txns` (in that order) that still exist.
    private func fetch(_ txns: [String]) async throws -> [VerificationRecord] {
        guard !txns.isEmpty else { return [] }
        let reply = try await client.execute(RedisCommand("MGET", txns.map(recordKey)))
        return (reply.elements ?? []).compactMap { value in
            value.bytes.flatMap { try? Self.decoder.decode(VerificationRecord.self, from: Data($0)) }
        }
    }

    // MARK: - VerificationCancelRelay

    public func forwardCancel(txn: String, error: String, reason: String) async -> Bool {
        guard let message = try? Self.encoder.encode(CancelMessage(origin: serverID, txn: txn, error: error, reason: reason)) else { return false }
        do {
            _ = try await client.execute(RedisCommand("PUBLISH", bytes: [Array(cancelChannel.utf8), Array(message)]))
            health.succeeded()
            return true
        } catch {
            health.failed(error, operation: "forward cancel")
            return false
        }
    }

    public func setCancelHandler(_ handler: @escaping @Sendable (String, String, String) async -> Void) {
        subscription.withLock { $0.cancelHandler = handler }
    }

    // MARK: - JSON

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()
}
