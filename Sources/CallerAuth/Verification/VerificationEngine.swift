import Foundation
import Synchronization
import CIBA
import StructuredLogging

/// Runs verifications: rate limits, bc-authorize, polling, token validation, each in its own
/// task, with every state change saved to the store (and so published as an event).
///
/// The IVR, queue mode and the agent API all start verifications here; the engine knows
/// nothing of AGI. One verification's failure never affects another's.
///
/// Lifecycle: `started` (saved at once) → rate limits → bc-authorize → `pending` (word pair,
/// expiry) → polling → `verified` / `denied` / `expired` / `error`; `cancel` at any point
/// gives `cancelled` and no request after it. A verification's saves are all made by its own
/// task, one after another, so its events are in order.
public final class VerificationEngine: Sendable {
    public let store: any VerificationStore
    public let rateLimits: any RateLimitStore
    private let client: any BackchannelClient
    private let logger: Logger
    private let revealCallerID: Bool
    private let now: @Sendable () -> Date
    private let clock: any Clock<Duration>
    private let active = ActiveVerifications()

    /// - Parameters:
    ///   - revealCallerID: `logCallerId`; false stores and logs caller ids masked.
    ///   - now: the wall clock for `createdAt` / `updatedAt` / `expiresAt`.
    ///   - clock: measures `waitForFinal` timeouts.
    public init(client: any BackchannelClient, store: any VerificationStore, rateLimits: any RateLimitStore,
                logger: Logger, revealCallerID: Bool = false, now: @escaping @Sendable () -> Date = { Date() },
                clock: any Clock<Duration> = ContinuousClock()) {
        self.client = client
        self.store = store
        self.rateLimits = rateLimits
        self.logger = logger
        self.revealCallerID = revealCallerID
        self.now = now
        self.clock = clock
        (store as? any VerificationCancelRelay)?.setCancelHandler { [weak self] txn, error, reason in
            await self?.cancelRelayed(txn: txn, error: error, reason: reason)
        }
    }

    /// Starts a verification and returns once the provider answered bc-authorize (status
    /// `pending`, word pair known) or the verification ended (`error` with `rate_limited`, a
    /// provider error, ...). Polling goes on in the engine's own task.
    ///
    /// Cancelling the calling task cancels the verification with `request`'s initiator-specific
    /// error: `caller_hangup` for the IVR (its task is cancelled when the caller hangs up),
    /// `cancelled` otherwise.
    public func start(_ request: VerificationRequest) async -> VerificationRecord {
        let created = now()
        let record = VerificationRecord(
            txn: request.txn, status: .started, profile: request.profile.name, initiator: request.initiator,
            numberMasked: request.number?.masked ?? "",
            callerIDMasked: CallerIDMasking.loggable(request.callerID, reveal: revealCallerID),
            uniqueID: request.uniqueID, linkedID: request.linkedID, createdAt: created, updatedAt: created)
        await active.add(record)
        let task = Task { await self.run(request, record) }
        await active.attach(task, txn: request.txn)
        let cancelError = request.initiator == "ivr" ? CallErrorCode.callerHangup.rawValue : CallErrorCode.cancelled.rawValue
        let milestone = await withTaskCancellationHandler {
            await active.milestone(txn: request.txn)
        } onCancel: {
            Task { await self.active.requestCancel(txn: request.txn, error: cancelError, reason: "the starter went away") }
        }
        if let milestone { return milestone }
        // Finished before the milestone wait began: the store has the final record.
        return await store.record(txn: request.txn) ?? record
    }

    /// Cancels a verification running in this process: no request to the provider after it,
    /// status `cancelled` with `error` (`caller_hangup` when the caller hung up, `cancelled`
    /// when an agent stopped it). Returns once the cancelled (or, if it ended first, the
    /// final) record is saved; nil for an unknown `txn`. A final verification stays as it is.
    ///
    /// With a shared store that relays cancels (``VerificationCancelRelay``), a verification
    /// another server runs is cancelled there: the request goes through the store and this
    /// returns the cancelled record once it comes back (or the stored one after
    /// ``remoteCancelTimeout``, when no server runs it any more).
    @discardableResult
    public func cancel(txn: String, error: String = CallErrorCode.cancelled.rawValue,
                       reason: String = "cancelled") async -> VerificationRecord? {
        if await active.requestCancel(txn: txn, error: error, reason: reason) {
            // Waited for in a task of its own: the canceller's task is often cancelled itself
            // (the IVR's, by the hang-up), and the wait must not end before the record is saved.
            let active = self.active
            if let final = await Task(operation: { await active.final(txn: txn) }).value { return final }
        } else if let relay = store as? any VerificationCancelRelay, let stored = await store.record(txn: txn), !stored.status.isFinal {
            let waited = Task { () -> VerificationRecord? in
                // Subscribed before the request goes out, so the answer cannot pass unseen.
                let events = self.store.events()
                guard await relay.forwardCancel(txn: txn, error: error, reason: reason) else { return nil }
                return await self.firstFinal(txn: txn, in: events, timeout: Self.remoteCancelTimeout)
            }
            if let final = await waited.value { return final }
        }
        return await store.record(txn: txn)
    }

    /// How long `cancel` waits for another server to confirm a relayed cancel.
    public static let remoteCancelTimeout: Duration = .seconds(5)

    /// The first final record of `txn` in `events` (or already in the store), within `timeout`.
    private func firstFinal(txn: String, in events: AsyncStream<VerificationRecord>, timeout: Duration) async -> VerificationRecord? {
        await withTaskGroup(of: VerificationRecord?.self) { group in
            group.addTask {
                for await record in events where record.txn == txn && record.status.isFinal { return record }
                return nil
            }
            group.addTask {
                try? await self.clock.sleep(for: timeout)
                return nil
            }
            if let stored = await self.store.record(txn: txn), stored.status.isFinal {
                group.cancelAll()
                return stored
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// A relayed cancel for a verification of this process (from another server's agent).
    private func cancelRelayed(txn: String, error: String, reason: String) async {
        guard await active.requestCancel(txn: txn, error: error, reason: reason) else { return }
        let active = self.active
        _ = await Task(operation: { await active.final(txn: txn) }).value
    }

    /// The final record of `txn`, waiting up to `timeout` for it; nil when unknown or not
    /// final in time. Works for verifications of other servers too, through the store's events.
    public func waitForFinal(txn: String, timeout: Duration) async -> VerificationRecord? {
        await withTaskGroup(of: VerificationRecord?.self) { group in
            group.addTask { await self.final(txn: txn) }
            group.addTask {
                try? await self.clock.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Verifications running in this process.
    public var activeCount: Int { get async { await active.count } }

    private func final(txn: String) async -> VerificationRecord? {
        if let record = await active.final(txn: txn) { return record }
        if Task.isCancelled { return nil }
        // Not running here (finished, or another server's): the store and its events.
        while !Task.isCancelled {
            let events = store.events()
            guard let stored = await store.record(txn: txn) else { return nil }
            if stored.status.isFinal { return stored }
            for await record in events where record.txn == txn && record.status.isFinal {
                return record
            }
            // The stream ended (this reader fell behind, or the store shut down): look again.
        }
        return nil
    }

    // MARK: - The verification's task

    private func run(_ request: VerificationRequest, _ initial: VerificationRecord) async {
        var record = initial
        let log = request.uniqueID.map { logger.with("txn", request.txn).with("uniqueid", $0) } ?? logger.with("txn", request.txn)
        await save(record)

        let subjectKey: String
        switch request.profile.loginHintSource {
        case .callerID:
            subjectKey = request.callerID
        case .number:
            guard let number = request.number else {
                return await finish(&record, code: .invalidNumber, reason: "the profile needs a number", log: log)
            }
            subjectKey = number.normalized
        }
        if Task.isCancelled { return await finishCancelled(&record, polls: 0, log: log) }

        // Rate limits count requests about to be started at the provider.
        if case .refused(let which) = await rateLimits.admit(callerID: request.callerID, number: subjectKey) {
            log.warning("ratelimit.refused", ["limit": which.joined(separator: ","), "number": record.numberMasked])
            let reason = which == [RateLimitDecision.sharedStateUnavailable]
                ? "the shared rate-limit store is unreachable (sharedStateFailure closed)"
                : "rate limit (\(which.joined(separator: ","))) exceeded"
            return await finish(&record, code: .rateLimited, reason: reason, log: log)
        }

        let backchannel = BackchannelRequestBuilder.request(profile: request.profile, options: request.options,
                                                            number: request.number?.normalized, callerID: request.callerID)
        log.info("ciba.start", ["profile": request.profile.name, "number": record.numberMasked, "initiator": request.initiator])
        let grant: BackchannelGrant
        do {
            grant = try await client.start(backchannel, logger: log)
        } catch {
            return await finish(&record, error: error, polls: 0, log: log)
        }
        if Task.isCancelled { return await finishCancelled(&record, polls: 0, log: log) }

        let words = (grant.bindingMessage ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        record.status = .pending
        record.wordPair = words.isEmpty ? nil : words
        record.expiresAt = now().addingTimeInterval(TimeInterval(grant.expiresIn))
        record.updatedAt = now()
        await save(record)

        let polls = PollCounter()
        let expected: (name: String, value: String)? = request.profile.numberClaim.flatMap { claim in
            request.number.map { (claim, $0.normalized) }
        }
        do {
            let identity = try await client.pollForIdentity(grant, expectedClaim: expected, logger: log) { event in
                switch event {
                case .pending(let description, let poll):
                    polls.note(poll)
                    log.debug("ciba.pending", ["poll": String(poll), "description": description ?? ""])
                case .slowDown(let interval, let poll):
                    polls.note(poll)
                    log.info("ciba.slow_down", ["poll": String(poll), "interval": String(describing: interval)])
                case .retrying(let reason, let poll, let retryIn):
                    polls.note(poll)
                    log.warning("ciba.retrying", ["poll": String(poll), "reason": reason, "retryIn": String(describing: retryIn)])
                }
            }
            if Task.isCancelled { return await finishCancelled(&record, polls: max(identity.polls, polls.value), log: log) }
            await request.onVerified?(identity)
            record.status = .verified
            record.claims = VerifiedClaims(identity, number: request.number)
            record.polls = max(identity.polls, polls.value)
            record.updatedAt = now()
            log.info("ciba.verified", ["polls": String(record.polls)])
            await saveFinal(record)
        } catch {
            await finish(&record, error: error, polls: polls.value, log: log)
        }
    }

    /// Maps a failure of bc-authorize or polling to the final record.
    private func finish(_ record: inout VerificationRecord, error: any Error, polls: Int, log: Logger) async {
        if error is CancellationError || Task.isCancelled {
            return await finishCancelled(&record, polls: polls, log: log)
        }
        if let failure = error as? CIBAFailure {
            let code = CallErrorCode(rawValue: failure.code) ?? .providerError
            log.info("ciba.failed", ["code": code.rawValue, "reason": failure.reason])
            return await finish(&record, code: code, reason: failure.reason, polls: max(failure.polls, polls), log: log)
        }
        log.error("ciba.unexpected_error", ["error": String(describing: type(of: error))])
        await finish(&record, code: .providerError, reason: "unexpected error", polls: polls, log: log)
    }

    private func finishCancelled(_ record: inout VerificationRecord, polls: Int, log: Logger) async {
        let cancellation = await active.cancellation(txn: record.txn)
            ?? (record.initiator == "ivr" ? CallErrorCode.callerHangup.rawValue : CallErrorCode.cancelled.rawValue, "the starter went away")
        log.info("verification.cancelled", ["error": cancellation.error, "polls": String(polls)])
        record.status = .cancelled
        record.error = cancellation.error
        record.reason = cancellation.reason
        record.polls = polls
        record.updatedAt = now()
        await saveFinal(record)
    }

    private func finish(_ record: inout VerificationRecord, code: CallErrorCode, reason: String, polls: Int = 0, log: Logger) async {
        record.status = VerificationStatus.final(for: code)
        record.error = code.rawValue
        record.reason = reason
        record.polls = polls
        record.updatedAt = now()
        await saveFinal(record)
    }

    private func save(_ record: VerificationRecord) async {
        await store.save(record)
        await active.saved(record)
    }

    /// The final save runs in a task of its own: this task may be cancelled, and a shared
    /// store's I/O must not be cut short by that.
    private func saveFinal(_ record: VerificationRecord) async {
        let store = self.store
        await Task { await store.save(record) }.value
        await active.saved(record)
    }
}

/// The highest poll number reported so far (written by the poll callback, read after it).
private final class PollCounter: Sendable {
    private let highest = Mutex(0)
    func note(_ poll: Int) { highest.withLock { $0 = max($0, poll) } }
    var value: Int { highest.withLock { $0 } }
}
