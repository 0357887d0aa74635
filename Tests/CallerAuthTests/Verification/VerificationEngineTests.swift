import Foundation
import Testing
import Synchronization
import CIBA
import JOSE
import IdentityNumbers
import StructuredLogging
@testable import CallerAuth

@Suite("verification engine")
struct VerificationEngineTests {
    static let number: PersonalNumber = {
        guard case .success(let n) = PersonalNumber.parse("196802020575", kind: .sePersonnummer) else { fatalError("test number") }
        return n
    }()
    static let profile = Profile(name: "se-bankid", numberKind: .sePersonnummer, loginHint: "sub:ssn:{number}", numberClaim: "ssn")

    struct Rig {
        let client: ScriptedBackchannelClient
        let store = InMemoryVerificationStore()
        let logs = InMemoryLogHandler()
        let engine: VerificationEngine
        init(client: ScriptedBackchannelClient = ScriptedBackchannelClient(), limits: AuthenticationRateLimits = .init(perCaller: 100, perNumber: 100)) {
            self.client = client
            engine = VerificationEngine(client: client, store: store, rateLimits: limits, logger: Logger(handler: logs, level: .debug))
        }
        func request(initiator: String = "agent-anna", uniqueID: String? = "1732227481.42", linkedID: String? = "1732227481.40",
                     onVerified: (@Sendable (VerifiedIdentity) async -> Void)? = nil) -> VerificationRequest {
            VerificationRequest(profile: VerificationEngineTests.profile, number: VerificationEngineTests.number, callerID: "+46701234567",
                                initiator: initiator, uniqueID: uniqueID, linkedID: linkedID, onVerified: onVerified)
        }
    }

    static func claims(ssn: String = "196802020575") -> [String: JSONValue] {
        ["sub": .string("{bb9c}"), "name": .string("Terne Paulsen"), "given_name": .string("Terne"), "surname": .string("Paulsen"),
         "country": .string("SE"), "identityscheme": .string("sebankid"), "ssn": .string(ssn)]
    }

    @Test func startedPendingVerifiedInOrderWithClaimsAndNothingPersonal() async throws {
        let rig = Rig()
        let events = rig.store.events()
        let handedOver = Mutex<VerifiedIdentity?>(nil)
        let started = await rig.engine.start(rig.request(onVerified: { identity in handedOver.withLock { $0 = identity } }))
        #expect(started.status == .pending)
        #expect(started.wordPair == "fjell sol")
        #expect(started.expiresAt != nil)
        #expect(started.numberMasked == "19680202****")
        #expect(started.callerIDMasked == "+46701******")
        #expect(started.initiator == "agent-anna")
        var polls = rig.client.pollsStarted.makeAsyncIterator()
        #expect(await polls.next() == 1)
        rig.client.answer(.pending)
        #expect(await polls.next() == 2)
        rig.client.answer(.verified(Self.claims()))
        let final = await rig.engine.waitForFinal(txn: started.txn, timeout: .seconds(30))
        #expect(final?.status == .verified)
        #expect(final?.polls == 2)
        #expect(final?.claims == VerifiedClaims(sub: "{bb9c}", name: "Terne Paulsen", givenName: "Terne", familyName: "Paulsen",
                                                birthdate: "1968-02-02", country: "SE", identityScheme: "sebankid"))
        #expect(handedOver.withLock { $0 }?.string("ssn") == "196802020575")
        var seen: [VerificationStatus] = []
        for await record in events where record.txn == started.txn {
            seen.append(record.status)
            if record.status.isFinal { break }
        }
        #expect(seen == [.started, .pending, .verified])
        // The stored record holds no full number or caller id.
        let json = String(decoding: try JSONEncoder().encode(await rig.store.record(txn: started.txn)), as: UTF8.self)
        #expect(!json.contains("196802020575") && !json.contains("46701234567") && !json.contains("areq-secret"))
        // The CIBA client got the verification's logger.
        #expect(rig.client.loggerContexts.first?["txn"] == started.txn)
        #expect(rig.client.loggerContexts.first?["uniqueid"] == "1732227481.42")
        #expect(await rig.engine.activeCount == 0)
    }

    @Test(arguments: [
        (CIBAFailure(.accessDenied, "the user declined"), VerificationStatus.denied, "access_denied"),
        (CIBAFailure(.expired, "expired"), .expired, "expired_token"),
        (CIBAFailure(.unreachable, "token: timeout"), .error, "provider_unreachable"),
        (CIBAFailure(.identityMismatch, "someone else"), .error, "identity_mismatch"),
    ])
    func pollFailuresEndInTheirStatus(failure: CIBAFailure, status: VerificationStatus, code: String) async throws {
        let rig = Rig()
        let started = await rig.engine.start(rig.request())
        var polls = rig.client.pollsStarted.makeAsyncIterator()
        #expect(await polls.next() == 1)
        rig.client.answer(.failure(failure))
        let final = await rig.engine.waitForFinal(txn: started.txn, timeout: .seconds(30))
        #expect(final?.status == status)
        #expect(final?.error == code)
        #expect(final?.reason == failure.reason)
        #expect(final?.polls == 1)
    }

    @Test func bcAuthorizeFailureIsFinalWithoutAPoll() async throws {
        let rig = Rig(client: ScriptedBackchannelClient(startFailure: CIBAFailure(.unknownUser, "unknown")))
        let record = await rig.engine.start(rig.request())
        #expect(record.status == .error)
        #expect(record.error == "unknown_user")
        #expect(rig.client.polls == 0)
        #expect(await rig.store.record(txn: record.txn) == record)
    }

    @Test func rateLimitsAreCountedPerStart() async throws {
        let rig = Rig(client: ScriptedBackchannelClient(startFailure: CIBAFailure(.unknownUser, "unknown")),
                      limits: AuthenticationRateLimits(perCaller: 10, perNumber: 2))
        let first = await rig.engine.start(rig.request())
        let second = await rig.engine.start(rig.request())
        let third = await rig.engine.start(rig.request())
        #expect(first.error == "unknown_user" && second.error == "unknown_user")
        #expect(third.status == .error)
        #expect(third.error == "rate_limited")
        #expect(rig.client.starts == 2, "the refused start never reached the provider")
    }

    @Test func cancelWhilePendingStopsPollingForGood() async throws {
        let rig = Rig()
        let events = rig.store.events()
        let started = await rig.engine.start(rig.request())
        var polls = rig.client.pollsStarted.makeAsyncIterator()
        #expect(await polls.next() == 1)
        let cancelled = await rig.engine.cancel(txn: started.txn)
        #expect(cancelled?.status == .cancelled)
        #expect(cancelled?.error == "cancelled")
        // Answers that would let a live poller go on: none is asked for any more.
        rig.client.answer(.pending)
        rig.client.answer(.verified(Self.claims()))
        #expect(rig.client.polls == 1)
        #expect(await rig.engine.activeCount == 0)
        #expect(await rig.store.record(txn: started.txn)?.status == .cancelled)
        // A second cancel changes nothing; the final record stays.
        #expect(await rig.engine.cancel(txn: started.txn, error: "caller_hangup")?.error == "cancelled")
        var seen: [VerificationStatus] = []
        for await record in events where record.txn == started.txn {
            seen.append(record.status)
            if record.status.isFinal { break }
        }
        #expect(seen == [.started, .pending, .cancelled])
    }

    /// The IVR cancels from its own task, which the hang-up has already cancelled: the cancel
    /// must still wait until the cancelled record is saved and the poller is gone.
    @Test func cancelFromACancelledTaskStillWaitsForTheEnd() async throws {
        let rig = Rig()
        let started = await rig.engine.start(rig.request(initiator: "ivr"))
        var polls = rig.client.pollsStarted.makeAsyncIterator()
        #expect(await polls.next() == 1)
        let engine = rig.engine
        let canceller = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await engine.cancel(txn: started.txn, error: "caller_hangup")
        }
        let record = await canceller.value
        #expect(record?.status == .cancelled)
        #expect(record?.error == "caller_hangup")
        #expect(await rig.engine.activeCount == 0)
        rig.client.answer(.pending)
        #expect(rig.client.polls == 1)
    }

    @Test func cancelDuringBcAuthorizeCancelsTheRequestAndNeverPolls() async throws {
        let rig = Rig(client: ScriptedBackchannelClient(holdStart: true))
        let request = rig.request()
        let events = rig.store.events()
        let starting = Task { await rig.engine.start(request) }
        var stream = events.makeAsyncIterator()
        #expect(await stream.next()?.status == .started)
        let cancelled = await rig.engine.cancel(txn: request.txn, error: "caller_hangup", reason: "hung up")
        #expect(cancelled?.status == .cancelled)
        #expect(cancelled?.error == "caller_hangup")
        #expect(await starting.value.status == .cancelled)
        #expect(rig.client.startsCancelled == 1)
        #expect(rig.client.polls == 0)
    }

    @Test func cancellingTheStarterCancelsAnIVRVerificationAsAHangup() async throws {
        let rig = Rig(client: ScriptedBackchannelClient(holdStart: true))
        let request = rig.request(initiator: "ivr")
        let events = rig.store.events()
        let starting = Task { await rig.engine.start(request) }
        var stream = events.makeAsyncIterator()
        #expect(await stream.next()?.status == .started)
        starting.cancel()
        let record = await starting.value
        #expect(record.status == .cancelled)
        #expect(record.error == "caller_hangup")
        #expect(rig.client.polls == 0)
    }

    @Test func cancelOfAFinalVerificationKeepsIt() async throws {
        let rig = Rig()
        let started = await rig.engine.start(rig.request())
        var polls = rig.client.pollsStarted.makeAsyncIterator()
        #expect(await polls.next() == 1)
        rig.client.answer(.verified(Self.claims()))
        #expect(await rig.engine.waitForFinal(txn: started.txn, timeout: .seconds(30))?.status == .verified)
        #expect(await rig.engine.cancel(txn: started.txn)?.status == .verified)
        #expect(await rig.engine.cancel(txn: "no-such-txn") == nil)
    }

    @Test func waitForFinalTimesOutAndKnowsUnknownTxns() async throws {
        let rig = Rig()
        let started = await rig.engine.start(rig.request())
        #expect(await rig.engine.waitForFinal(txn: started.txn, timeout: .milliseconds(50)) == nil)
        #expect(await rig.engine.waitForFinal(txn: "unknown", timeout: .seconds(30)) == nil)
        await rig.engine.cancel(txn: started.txn)
    }

    @Test func waitForFinalFollowsAnotherServersVerificationThroughTheStore() async throws {
        let rig = Rig()
        let now = Date()
        var record = VerificationRecord(txn: "remote-1", status: .pending, profile: "se-bankid", initiator: "ivr",
                                        numberMasked: "19680202****", callerIDMasked: "+46701******", createdAt: now, updatedAt: now)
        await rig.store.save(record)
        let waiting = Task { await rig.engine.waitForFinal(txn: "remote-1", timeout: .seconds(30)) }
        // Seen either in the store (if saved before the wait looked) or as an event.
        record.status = .verified
        await rig.store.save(record)
        #expect(await waiting.value?.status == .verified)
    }
}

