import Foundation
import Testing
import AGI
import AGITesting
import StructuredLogging
@testable import CallerAuth

/// The IVR on the verification engine: the record it leaves, what it logs, and what it
/// records when the AGI dialogue itself fails.
@Suite("caller-auth records, privacy, AGI failures")
struct FlowVerificationRecordTests {
    @Test func theCallsRecordIsFoundByUniqueIDAndLinkedID() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        // A preset number: no DTMF timing involved.
        let call = try await harness.call(variables: ["CIBA_ID_NUMBER": "196802020575"], linkedID: "1732227000.7")
        #expect(call.variables["CIBA_STATUS"] == "VERIFIED")
        #expect(call.commands.contains("GET VARIABLE CHANNEL(linkedid)"))
        let audit = try #require(call.audit)
        let store = harness.service.verificationStore
        let byLinked = try #require(await store.latest(forCall: "1732227000.7"))
        #expect(byLinked.txn == audit.txn)
        #expect(await store.latest(forCall: audit.uniqueID)?.txn == audit.txn)
        #expect(byLinked.status == .verified)
        #expect(byLinked.initiator == "ivr")
        #expect(byLinked.uniqueID == audit.uniqueID)
        #expect(byLinked.numberMasked == "19680202****")
        #expect(byLinked.callerIDMasked == "+46701******")
        #expect(byLinked.claims?.name == "Terne Paulsen")
        #expect(byLinked.polls == audit.polls)
    }

    @Test func noFullNumberOrCallerIDInLogsAuditOrRecords() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        let verified = try await harness.call(variables: ["CIBA_ID_NUMBER": "196802020575"])
        let denied = try await harness.call(variables: ["CIBA_ID_NUMBER": "199001019810"])
        #expect(verified.variables["CIBA_STATUS"] == "VERIFIED")
        #expect(denied.variables["CIBA_STATUS"] != "VERIFIED")
        let records = await harness.service.verificationStore.recent(limit: 10)
        #expect(records.count == 2)
        let texts = harness.logs.lines + harness.audit.records.map(\.jsonLine)
            + [String(decoding: try JSONEncoder().encode(records), as: UTF8.self)]
        for secret in ["196802020575", "199001019810", "46701234567"] {
            #expect(!texts.contains { $0.contains(secret) }, "\(secret) written somewhere")
        }
        #expect(texts.contains { $0.contains("+46701******") }, "the masked caller id is there")
        // Every CIBA client line carries the verification's txn and the call's uniqueid.
        let clientLines = harness.logs.records.filter { $0.event.hasPrefix("ciba.provider.request") || $0.event.hasPrefix("ciba.poll") || $0.event.hasPrefix("ciba.bc_authorize") }
        #expect(!clientLines.isEmpty)
        let txns = Set(records.map(\.txn))
        for line in clientLines where line["endpoint"] != "discovery" && line["endpoint"] != "jwks" {
            #expect(line["txn"].map(txns.contains) == true, "\(line.formatted)")
            #expect(line["uniqueid"]?.isEmpty == false, "\(line.formatted)")
        }
    }

    @Test func logCallerIdWritesItInFull() async throws {
        let harness = try await FlowHarness(logCallerID: true)
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(variables: ["CIBA_ID_NUMBER": "196802020575"])
        #expect(call.audit?.callerID == "+46701234567")
        #expect(await harness.service.verificationStore.recent(limit: 1).first?.callerIDMasked == "+46701234567")
    }

    /// Issue 8 bug 3: a reply timeout is the AGI dialogue failing, not the caller hanging up.
    /// The verification already polling is cancelled with the same code.
    @Test func aReplyTimeoutIsRecordedAsAnAGIFailure() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        // Commands without their own timeout get 300 ms of the manual clock, which moves only
        // once the verification runs: then, step by step, until the command in flight (or the
        // next one) times out. Nothing depends on how fast this machine is.
        var limits = AGISessionLimits()
        limits.defaultReplyTimeout = .milliseconds(300)
        let clock = ManualDeadlineClock()
        let engine = harness.service.engine
        let ticker = Task {
            let deadline = ContinuousClock.now + .seconds(120)
            while await engine.activeCount == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
            while !Task.isCancelled, ContinuousClock.now < deadline {
                clock.advance(by: .milliseconds(100))
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        defer { ticker.cancel() }
        let call = try await harness.call(digits: nil, variables: ["CIBA_ID_NUMBER": "196802020575"], timeScale: 1.0, limits: limits, clock: clock)
        ticker.cancel()
        let audit = try #require(call.audit)
        #expect(audit.status == "ERROR")
        #expect(audit.error == "agi_failed")
        #expect(harness.logs.records(event: "session.agi_failed").count == 1)
        #expect(harness.logs.records(event: "session.end").first?["reason"]?.contains("timedOut") == true)
        let record = await harness.service.verificationStore.record(txn: audit.txn)
        #expect(record?.status == .cancelled)
        #expect(record?.error == "agi_failed")
        #expect(await harness.service.engine.activeCount == 0)
    }
}
