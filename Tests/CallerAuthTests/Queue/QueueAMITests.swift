import Foundation
import Testing
import AGI
import AGITesting
import AMI
import CIBASimulator
import StructuredLogging
@testable import CallerAuth

/// Queue mode with the manager connection: hang-ups, Setvar, UserEvent, and every way AMI
/// can fail (down, refused login, dropped connection) — queue mode must work through all.
@Suite("queue mode over AMI")
struct QueueAMITests {
    @Test func resultSetOnTheCallersChannelAndAnnounced() async throws {
        let fixture = try await QueueFixture(ami: .connected)
        let manager = try #require(fixture.manager)
        let call = fixture.queuedCall(11)
        let start = try await fixture.start(call, number: QueueFixture.norwegianNumber)
        let txn = try #require(start.variables["CIBA_TXN"])
        await fixture.harness.service.queueMode.settled(txn: txn)

        // Setvar put the result on the caller's channel as inheritable __CIBA_* variables, status last.
        let channel = try #require(manager.channel(named: call.callerChannel))
        #expect(channel.variables["__CIBA_STATUS"] == "VERIFIED")
        #expect(channel.variables["__CIBA_NAME"] == "Mikkel CriiptoTest")
        #expect(channel.variables["__CIBA_TXN"] == txn)
        #expect(channel.variables["__CIBA_ID_NUMBER"] == nil, "never over AMI")
        let setvars = manager.snapshot.actions(named: "Setvar")
        #expect(setvars.last?["Variable"] == "__CIBA_STATUS")
        #expect(setvars.allSatisfy { $0["Channel"] == call.callerChannel && $0.response == "Success" })

        // The UserEvent: status, txn, ids, masked number — nothing else. (The fake broadcasts it
        // after its response, so the journal is the readiness signal.)
        #expect(await manager.waitUntil(timeout: .seconds(60)) { $0.events.contains { $0.name == "UserEvent" } })
        let event = try #require(manager.snapshot.events.first { $0.name == "UserEvent" })
        let headers = Dictionary(event.headers.map { ($0.0, $0.1) }, uniquingKeysWith: { $1 })
        #expect(headers["UserEvent"] == "CibaVerification")
        #expect(headers["Status"] == "VERIFIED")
        #expect(headers["Txn"] == txn)
        #expect(headers["Uniqueid"] == call.callerUniqueID)
        #expect(headers["Linkedid"] == call.callerUniqueID)
        #expect(headers["NumberMasked"] == masked(QueueFixture.norwegianNumber, .noFodselsnummer))
        #expect(Set(headers.keys) == ["UserEvent", "Status", "Error", "Txn", "Uniqueid", "Linkedid", "Profile", "NumberMasked"])

        // The agent's leg, created after the Setvar, inherits the result; caller-auth-result agrees.
        let agent = try await call.agentAnswers(through: fixture.router, logger: fixture.logger)
        #expect(agent.variables["CIBA_STATUS"] == "VERIFIED")
        #expect(call.callerVariables["CIBA_STATUS"] == "VERIFIED")
        fixture.expectNoFullNumber([QueueFixture.norwegianNumber])
        #expect(!fixture.harness.logs.lines.contains { $0.contains(QueueFixture.amiSecret) }, "the AMI secret is never logged")
        await fixture.shutdown()
    }

    @Test func hangupInTheQueueStopsPolling() async throws {
        let fixture = try await QueueFixture(ami: .connected)
        let manager = try #require(fixture.manager)
        let call = fixture.queuedCall(12)
        // Erik never answers: without the hang-up this would poll until the expiry.
        let start = try await fixture.start(call, number: QueueFixture.swedishWaiter, profile: "se-bankid")
        let txn = try #require(start.variables["CIBA_TXN"])
        #expect(start.variables["CIBA_STATUS"] == "PENDING")
        #expect(fixture.harness.service.queueMode.queuedCount == 1)

        await call.callerHangsUp()
        await fixture.harness.service.queueMode.settled(txn: txn)

        let record = try #require(await fixture.harness.service.verificationStore.record(txn: txn))
        #expect(record.status == .cancelled)
        #expect(record.error == "caller_hangup")
        // The poller is gone (no task left that could send a request), and the simulator's
        // request log holds exactly the polls the record counted: none after the hang-up.
        #expect(await fixture.harness.service.engine.activeCount == 0)
        let polls = fixture.harness.tokenRequests.count
        #expect(polls <= record.polls)
        #expect(fixture.harness.service.queueMode.queuedCount == 0)
        let audit = try #require(fixture.harness.audit.records.first { $0.txn == txn })
        #expect(audit.status == "HANGUP")
        #expect(audit.error == "caller_hangup")
        // No Setvar on a channel that is gone; the UserEvent still tells CRMs.
        #expect(manager.snapshot.actions(named: "Setvar").isEmpty)
        #expect(await manager.waitUntil(timeout: .seconds(60)) { $0.events.contains { $0.name == "UserEvent" } })
        let event = manager.snapshot.events.first { $0.name == "UserEvent" }
        #expect(event?.headers.contains { $0 == ("Status", "HANGUP") } == true)

        // A whole further verification later, still no token request for this one.
        let other = fixture.queuedCall(13)
        let second = try await fixture.start(other, number: QueueFixture.norwegianNumber)
        await fixture.harness.service.queueMode.settled(txn: second.variables["CIBA_TXN"] ?? "")
        let erikPolls = fixture.harness.tokenRequests.count - (fixture.harness.audit.records.first { $0.txn == second.variables["CIBA_TXN"] }?.polls ?? 0)
        #expect(erikPolls == polls)
        fixture.expectNoFullNumber([QueueFixture.swedishWaiter, QueueFixture.norwegianNumber])
        await fixture.shutdown()
    }

    @Test func amiDownQueueModeStillWorks() async throws {
        let fixture = try await QueueFixture(ami: .down)
        for sequence in [21, 22] {
            let call = fixture.queuedCall(sequence)
            let start = try await fixture.start(call, number: QueueFixture.norwegianNumber)
            #expect(start.variables["CIBA_STATUS"] == "PENDING")
            let agent = try await call.agentAnswers(through: fixture.router, arguments: ["wait=60"], logger: fixture.logger)
            #expect(agent.variables["CIBA_STATUS"] == "VERIFIED")
            await fixture.harness.service.queueMode.settled(txn: start.variables["CIBA_TXN"] ?? "")
        }
        #expect(fixture.harness.audit.records.map(\.status) == ["VERIFIED", "VERIFIED"])
        // One warning for the outage, not one per call; the client keeps trying with backoff.
        let warnings = fixture.harness.logs.records(event: "ami.unavailable").filter { $0.level == .warning }
        #expect(warnings.count == 1)
        #expect(!fixture.harness.logs.records(event: "ami.connect_failed").isEmpty)
        await fixture.shutdown()
    }

    @Test func amiAuthenticationFailureQueueModeStillWorks() async throws {
        let fixture = try await QueueFixture(ami: .refusingLogin)
        let client = try #require(fixture.client)
        let failed = await QueueFixture.waitFor(client) { state in
            if case .waitingToReconnect(_, _, let reason) = state { return reason.contains("refused the login") }
            return false
        }
        #expect(failed != nil)
        let call = fixture.queuedCall(31)
        let start = try await fixture.start(call, number: QueueFixture.norwegianDenier)
        let agent = try await call.agentAnswers(through: fixture.router, arguments: ["wait=60"], logger: fixture.logger)
        #expect(agent.variables["CIBA_STATUS"] == "DENIED")
        await fixture.harness.service.queueMode.settled(txn: start.variables["CIBA_TXN"] ?? "")
        let loginFailed = try #require(fixture.harness.logs.records(event: "ami.login_failed").first)
        #expect(loginFailed.level == .error)
        #expect(!fixture.harness.logs.lines.contains { $0.contains(QueueFixture.amiSecret) }, "the secret is never logged")
        #expect(fixture.manager?.snapshot.actions(named: "Setvar").isEmpty == true)
        await fixture.shutdown()
    }

    @Test func droppedConnectionReconnectsAndHangupsStillCancel() async throws {
        let fixture = try await QueueFixture(ami: .connected)
        let manager = try #require(fixture.manager)
        let client = try #require(fixture.client)
        let call = fixture.queuedCall(41)
        let start = try await fixture.start(call, number: QueueFixture.swedishWaiter, profile: "se-bankid")
        let txn = try #require(start.variables["CIBA_TXN"])

        // Asterisk restarts: every manager connection drops; the client logs in again.
        let states = client.states()
        manager.dropConnections()
        var sawDrop = false
        for await state in states {
            if case .waitingToReconnect = state { sawDrop = true }
            if sawDrop, state.isConnected { break }
        }
        #expect(sawDrop)
        #expect(await manager.waitUntil { $0.logins == 2 && $0.loggedIn == 1 })
        #expect(!fixture.harness.logs.records(event: "ami.disconnected").isEmpty)

        await call.callerHangsUp()
        await fixture.harness.service.queueMode.settled(txn: txn)
        let record = await fixture.harness.service.verificationStore.record(txn: txn)
        #expect(record?.status == .cancelled)
        #expect(record?.error == "caller_hangup")
        #expect(await fixture.harness.service.engine.activeCount == 0)
        await fixture.shutdown()
    }
}
