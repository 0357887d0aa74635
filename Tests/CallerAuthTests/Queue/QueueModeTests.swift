import Foundation
import Testing
import AGI
import AGITesting
import AMI
import CIBASimulator
import StructuredLogging
@testable import CallerAuth

/// Queue mode through the fake Asterisk: `caller-auth-start` on the caller's channel, the
/// caller queued (no AGI), `caller-auth-result` on the agent's leg as a second AGI session.
@Suite("queue mode")
struct QueueModeTests {
    @Test func verifiedWithTheNorwegianWordPairBeforeTheQueue() async throws {
        let fixture = try await QueueFixture()
        let call = fixture.queuedCall(1)
        let start = try await fixture.start(call, number: QueueFixture.norwegianNumber)

        // Returns at once: PENDING, the txn, the word pair — no waiting, no music (Queue() plays its own).
        let txn = try #require(start.variables["CIBA_TXN"])
        #expect(UUID(uuidString: txn) != nil)
        #expect(start.variables["CIBA_STATUS"] == "PENDING")
        #expect(start.variables["CIBA_ERROR"] == "")
        let words = try #require(start.variables["CIBA_BINDING_MESSAGE"])
        #expect(!words.isEmpty)
        let commands = start.commands
        let wordPair = try #require(commands.firstIndex { $0.hasPrefix("STREAM FILE ciba/word-pair-is") })
        let spelled = try #require(commands.firstIndex { $0.hasPrefix("SAY ALPHA") })
        let openApp = try #require(commands.firstIndex { $0.hasPrefix("STREAM FILE ciba/open-app") })
        #expect(wordPair < spelled && spelled < openApp, "the word pair is spoken before ciba/open-app")
        #expect(!commands.contains { $0.hasPrefix("SET MUSIC") || $0.hasPrefix("WAIT FOR DIGIT") })
        #expect(!commands.contains { $0.contains("press-star-to-repeat") }, "nothing listens for * in the queue")
        #expect(start.agiStatus == "SUCCESS")

        // The agent answers; the queue's gosub waits (bounded) for the result on the agent's leg.
        let agent = try await call.agentAnswers(through: fixture.router, arguments: ["wait=60"], logger: fixture.logger)
        #expect(agent.variables["CIBA_STATUS"] == "VERIFIED")
        #expect(agent.variables["CIBA_ERROR"] == "")
        #expect(agent.variables["CIBA_TXN"] == txn)
        #expect(agent.variables["CIBA_NAME"] == "Mikkel CriiptoTest")
        #expect(agent.variables["CIBA_BIRTHDATE"] == "1946-03-27")
        #expect(agent.variables["CIBA_BINDING_MESSAGE"] == words)
        #expect(!agent.commands.contains { $0.hasPrefix("STREAM FILE") }, "caller-auth-result plays nothing")

        await fixture.harness.service.queueMode.settled(txn: txn)
        let audit = try #require(fixture.harness.audit.records.first)
        #expect(fixture.harness.audit.records.count == 1)
        #expect(audit.txn == txn)
        #expect(audit.status == "VERIFIED")
        #expect(audit.uniqueID == call.callerUniqueID, "the audit record is the caller's call")
        #expect(audit.channel == call.callerChannel)
        #expect(audit.numberMasked == masked(QueueFixture.norwegianNumber, .noFodselsnummer))
        fixture.expectNoFullNumber([QueueFixture.norwegianNumber])
        await fixture.shutdown()
    }

    @Test func deniedFoundByTheLinkedID() async throws {
        let fixture = try await QueueFixture()
        let call = fixture.queuedCall(2)
        let start = try await fixture.start(call, number: QueueFixture.norwegianDenier)
        let txn = try #require(start.variables["CIBA_TXN"])
        #expect(start.variables["CIBA_STATUS"] == "PENDING")
        await fixture.harness.service.queueMode.settled(txn: txn)

        // A dialplan that did not copy CIBA_TXN: the agent's leg shares only the linkedid.
        let agent = try await call.agentAnswers(through: fixture.router, inherit: false, logger: fixture.logger)
        #expect(agent.variables["CIBA_STATUS"] == "DENIED")
        #expect(agent.variables["CIBA_ERROR"] == "access_denied")
        #expect(agent.variables["CIBA_TXN"] == txn)
        #expect(agent.variables["CIBA_NAME"] == "")
        #expect(fixture.harness.logs.records(event: "result.read").last?.fields.contains { $0 == ("foundBy", "linkedid") } == true)
        #expect(fixture.harness.audit.records.map(\.status) == ["DENIED"])
        await fixture.shutdown()
    }

    @Test func foundByTheCallersOwnUniqueIDWithoutTheTxn() async throws {
        let fixture = try await QueueFixture()
        let call = fixture.queuedCall(5)
        let start = try await fixture.start(call, number: QueueFixture.norwegianNumber)
        let txn = try #require(start.variables["CIBA_TXN"])
        #expect(start.variables["CIBA_STATUS"] == "PENDING")

        // No CIBA_TXN on the channel: only agi_uniqueid says which call this is; wait for the result.
        let later = try await call.resultOnCallersChannel(through: fixture.router, arguments: ["wait=60"], logger: fixture.logger)
        #expect(later.variables["CIBA_STATUS"] == "VERIFIED")
        #expect(later.variables["CIBA_TXN"] == txn)
        #expect(later.variables["CIBA_NAME"] == "Mikkel CriiptoTest")
        #expect(fixture.harness.logs.records(event: "result.read").last?.fields.contains { $0 == ("foundBy", "uniqueid") } == true)

        // Another caller's uniqueid does not find it.
        let other = try await fixture.queuedCall(6).resultOnCallersChannel(through: fixture.router, arguments: ["wait=0"], logger: fixture.logger)
        #expect(other.variables["CIBA_STATUS"] == "ERROR")
        #expect(other.variables["CIBA_ERROR"] == "no_verification")
        await fixture.harness.service.queueMode.settled(txn: txn)
        #expect(fixture.harness.audit.records.map(\.status) == ["VERIFIED"])
        await fixture.shutdown()
    }

    @Test func pendingWithoutWaitAndNoVerification() async throws {
        let fixture = try await QueueFixture()
        let call = fixture.queuedCall(3)
        let start = try await fixture.start(call, number: QueueFixture.swedishWaiter, profile: "se-bankid")
        let txn = try #require(start.variables["CIBA_TXN"])
        // wait=0 answers at once: still PENDING.
        let early = try await call.agentAnswers(through: fixture.router, arguments: ["wait=0"], logger: fixture.logger)
        #expect(early.variables["CIBA_STATUS"] == "PENDING")
        #expect(early.variables["CIBA_TXN"] == txn)

        // A channel of another call: nothing to find, a clear error.
        let stranger = try await FakeQueuedCall(sequence: 99, manager: nil).agentAnswers(through: fixture.router, inherit: false)
        #expect(stranger.variables["CIBA_STATUS"] == "ERROR")
        #expect(stranger.variables["CIBA_ERROR"] == "no_verification")
        #expect(stranger.variables["CIBA_TXN"] == "")
        // An out-of-range wait is ignored (logged by name), not trusted.
        let bad = try await call.agentAnswers(through: fixture.router, arguments: ["wait=99999999999999999999"], logger: fixture.logger)
        #expect(bad.variables["CIBA_STATUS"] == "PENDING")
        #expect(fixture.harness.logs.records(event: "result.ignored_options").count == 1)
        await fixture.harness.service.engine.cancel(txn: txn)
        await fixture.shutdown()
    }

    @Test func withoutAMIAHungUpCallerRunsToTheExpiryAndNothingLeaks() async throws {
        // No manager connection: nobody tells ciba-agi that the caller left the queue. The
        // verification polls until the provider's expiry (3 s here), then ends; nothing is left.
        let fixture = try await QueueFixture(simulator: FlowHarness.fastSimulator(expiresIn: 3))
        let call = fixture.queuedCall(4)
        let start = try await fixture.start(call, number: QueueFixture.swedishWaiter, profile: "se-bankid")
        let txn = try #require(start.variables["CIBA_TXN"])
        #expect(start.variables["CIBA_STATUS"] == "PENDING")
        await call.callerHangsUp()
        await fixture.harness.service.queueMode.settled(txn: txn)
        let record = await fixture.harness.service.verificationStore.record(txn: txn)
        #expect(record?.status == .expired)
        #expect(await fixture.harness.service.engine.activeCount == 0)
        #expect(fixture.harness.service.queueMode.queuedCount == 0)
        #expect(fixture.harness.audit.records.map(\.status) == ["EXPIRED"])
        await fixture.shutdown()
    }

    @Test func resultOptionsParsing() {
        #expect(ResultOptions.parse(query: [:], arguments: ["wait=30"]).waitSeconds == 30)
        #expect(ResultOptions.parse(query: ["wait": "5"], arguments: []).waitSeconds == 5)
        #expect(ResultOptions.parse(query: [:], arguments: ["no-bankid", "wait=301"]).waitSeconds == 0)
        #expect(ResultOptions.parse(query: [:], arguments: ["wait=-1"]).ignored == ["wait (not 0-300)"])
        #expect(ResultOptions.parse(query: [:], arguments: ["colour=blue"]).ignored == ["colour"])
    }
}
