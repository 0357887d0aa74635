import Foundation
import Synchronization
import AMI
import StructuredLogging

/// Finishes the verifications `caller-auth-start` left running while the caller waits in the
/// queue: waits for each one's final record (bounded by its expiry), writes its audit record,
/// and — with an `ami` connection — cancels it when Asterisk reports the caller's `Hangup`
/// (no token request after that) and publishes the result (`Setvar`, `UserEvent`).
///
/// Without AMI nothing leaks either: a verification whose caller hung up polls until the
/// provider's expiry and then ends `EXPIRED`; the audit record is written all the same.
public final class QueueModeMonitor: Sendable {
    let identities: QueueIdentityCache
    private let engine: VerificationEngine
    private let audit: any AuditSink
    private let logger: Logger
    private let configuration: Configuration
    private let state = Mutex(State())

    private struct State {
        var queued: [String: QueuedVerification] = [:]
        var watchers: [String: Task<Void, Never>] = [:]
        var publisher: AMIResultPublisher?
        var hangupWatch: Task<Void, Never>?
    }

    init(engine: VerificationEngine, audit: any AuditSink, logger: Logger, configuration: Configuration) {
        self.engine = engine
        self.audit = audit
        self.logger = logger
        self.configuration = configuration
        identities = QueueIdentityCache(retention: .seconds(60 * configuration.verificationRetentionMinutes))
    }

    /// Listens to `client`'s events for hang-ups and publishes results through it. The event
    /// subscription exists when this returns, so no `Hangup` after it is missed.
    public func attach(_ client: AMIClient) {
        let events = client.events()
        let publisher = AMIResultPublisher(client: client, logger: logger)
        let watch = Task { [weak self] in
            for await event in events where event.eventName?.lowercased() == "hangup" {
                guard let self, let uniqueID = event["Uniqueid"], !uniqueID.isEmpty else { continue }
                await self.callerHungUp(uniqueID: uniqueID)
            }
        }
        let previous = state.withLock { s -> Task<Void, Never>? in
            defer {
                s.publisher = publisher
                s.hangupWatch = watch
            }
            return s.hangupWatch
        }
        previous?.cancel()
    }

    /// Queue-mode verifications still running.
    public var queuedCount: Int { state.withLock { $0.queued.count } }

    /// Returns once the monitor is done with `txn` (final record, audit, AMI); at once when
    /// it never knew it or is done already. Tests use it as their readiness signal.
    public func settled(txn: String) async {
        let watcher = state.withLock { $0.watchers[txn] }
        await watcher?.value
    }

    /// Stops listening to the manager connection. Verifications go on to their end.
    public func shutdown() async {
        let watch = state.withLock { s -> Task<Void, Never>? in
            defer { s.hangupWatch = nil }
            return s.hangupWatch
        }
        watch?.cancel()
        await watch?.value
    }

    func track(_ verification: QueuedVerification) {
        state.withLock { s in
            s.queued[verification.txn] = verification
            s.watchers[verification.txn] = Task { await self.watch(verification) }
        }
    }

    private func callerHungUp(uniqueID: String) async {
        let txns = state.withLock { s in s.queued.values.filter { $0.uniqueID == uniqueID }.map(\.txn) }
        for txn in txns {
            logger.info("queue.caller_hangup", ["txn": txn, "uniqueid": uniqueID])
            await engine.cancel(txn: txn, error: CallErrorCode.callerHangup.rawValue, reason: "the caller hung up while queued (AMI Hangup)")
        }
    }

    private func watch(_ verification: QueuedVerification) async {
        let txn = verification.txn
        let log = logger.with("txn", txn).with("uniqueid", verification.uniqueID)
        // The poller ends by the expiry (plus a request timeout or two); the margin only guards
        // against a stuck store, past it the verification is cancelled as unreachable.
        let expiresAt = await engine.store.record(txn: txn)?.expiresAt
        let expiry = max(0, expiresAt?.timeIntervalSinceNow ?? 600)
        let limit = Duration.seconds(Int(expiry.rounded(.up)) + 2 * configuration.provider.requestTimeoutSeconds + 10)
        var final = await engine.waitForFinal(txn: txn, timeout: limit)
        if final == nil {
            log.error("queue.verification_timeout", ["limit": String(describing: limit)])
            final = await engine.cancel(txn: txn, error: CallErrorCode.providerUnreachable.rawValue, reason: "no final result within \(limit)")
        }
        let publisher = state.withLock { s -> AMIResultPublisher? in
            s.queued[txn] = nil
            return s.publisher
        }
        if let record = final, record.status.isFinal {
            await finish(verification, record, publisher: publisher, log: log)
        } else {
            log.error("queue.verification_lost")
        }
        state.withLock { _ = $0.watchers.removeValue(forKey: txn) }
    }

    private func finish(_ verification: QueuedVerification, _ record: VerificationRecord, publisher: AMIResultPublisher?, log: Logger) async {
        let profile = configuration.profiles[record.profile]
        let outcome = RecordOutcome.outcome(record, cached: await identities.variables(txn: record.txn), profile: profile)
        let durationMs = Int((ContinuousClock.now - verification.startInstant) / .milliseconds(1))
        let audited = AuditRecord(
            time: verification.startedAt, txn: record.txn, uniqueID: verification.uniqueID, channel: verification.channel,
            callerID: verification.callerID, profile: verification.profile, initiator: "ivr", status: outcome.status.rawValue,
            error: outcome.error, numberMasked: verification.numberMasked, sub: outcome.sub, polls: outcome.polls, durationMs: durationMs)
        if !(await audit.append(audited)) {
            log.error("audit.write_failed", ["path": configuration.auditLog ?? "-"])
        }
        log.info("queue.result", ["status": outcome.status.rawValue, "error": outcome.error, "number": verification.numberMasked,
                                  "polls": String(outcome.polls), "durationMs": String(durationMs)])
        guard let publisher else { return }
        let variables = ResultVariables.list(outcome, profile: profile, bindingMessage: record.wordPair ?? "", txn: record.txn)
        await publisher.publish(record, outcome: outcome, variables: variables, channel: verification.channel,
                                setOnChannel: outcome.status != .hangup)
    }
}
