import Foundation
import Synchronization
import Testing
import CIBASimulator
import IdentityNumbers
import RESP
import RedisTesting
@testable import CallerAuth

/// Verification records and their events shared through a real Redis: what one server does,
/// every other server sees; a cancel started on one reaches the server that polls.
@Suite("shared verifications against a real Redis", .enabled(if: RedisServerProcess.isAvailable, redisSkipReason))
struct SharedVerificationTests {
    @Test func aVerificationOnOneServerIsVisibleAndStreamedOnTheOthers() async throws {
        try await withCluster { cluster in
            try await cluster.waitUntilSubscribed()
            // A raw subscriber of the test's own sees exactly what crosses the store.
            let wire = RedisSubscriber(configuration: RedisClientConfiguration(endpoint: cluster.redis.endpoint, timeout: .seconds(30), connectTimeout: .seconds(30)),
                                       channels: ["test:events", "test:cancel"])
            wire.start()
            var wireEvents = wire.events.makeAsyncIterator()
            #expect(await wireEvents.next() == .subscribed)

            let streams = cluster.connections.map { $0.verifications.events() }
            let call = try await cluster.call(on: 0, linkedID: "1732227000.7")
            #expect(call.transcript.variables["CIBA_STATUS"] == "VERIFIED")
            let txn = try #require(call.transcript.variables["CIBA_TXN"])

            // Every server's stream carried started → pending → verified, in order.
            for (index, stream) in streams.enumerated() {
                var statuses: [VerificationStatus] = []
                for await record in stream where record.txn == txn {
                    statuses.append(record.status)
                    if record.status.isFinal { break }
                }
                #expect(statuses == [.started, .pending, .verified], "server \(index)")
            }
            // Every server reads it: by txn, by the call's uniqueid and linkedid, in the recent list.
            let uniqueID = try #require(await cluster.connections[0].verifications.record(txn: txn)?.uniqueID)
            for connection in cluster.connections[1...] {
                let record = try #require(await connection.verifications.record(txn: txn))
                #expect(record.status == .verified)
                #expect(record.numberMasked == "19680202****")
                #expect(record.callerIDMasked == "+46701******")
                #expect(record.claims?.givenName == "Terne")
                #expect(record.initiator == "ivr")
                #expect(record.linkedID == "1732227000.7")
                #expect(await connection.verifications.latest(forCall: "1732227000.7")?.txn == txn)
                #expect(await connection.verifications.latest(forCall: uniqueID)?.txn == txn)
                #expect(await connection.verifications.recent(limit: 10).map(\.txn) == [txn])
            }
            // The engine of another server waits for it through the store too.
            #expect(await cluster.services[2].engine.waitForFinal(txn: txn, timeout: .seconds(10))?.status == .verified)

            // Privacy: no key, no value and no published message holds the number or caller id in clear.
            let raw = cluster.rawClient()
            defer { raw.shutdown() }
            let dump = try await dumpStore(raw)
            #expect(dump.contains { $0.key == "test:v:" + txn && $0.type == "string" })
            #expect(dump.contains { $0.key.hasPrefix("test:rl:number:") && $0.type == "zset" })
            #expect(dump.contains { $0.key.hasPrefix("test:rl:caller:") && $0.type == "zset" })
            var published: [String] = []
            while published.count < 3, let event = await wireEvents.next() {
                if case .message(_, let payload) = event { published.append(String(decoding: payload, as: UTF8.self)) }
            }
            await wire.stop()
            #expect(published.count == 3)
            let everything = dump.map { "\($0.key) \($0.value)" } + published
            for form in clearForms(number: SharedStateCluster.number, callerID: SharedStateCluster.callerID) {
                #expect(everything.allSatisfy { !$0.contains(form) }, "\(form) appears in the store or on the wire")
            }
            // And nothing the servers logged either (they log masked numbers only).
            for form in clearForms(number: SharedStateCluster.number, callerID: SharedStateCluster.callerID) {
                #expect(cluster.logs.lines.allSatisfy { !$0.contains(form) }, "\(form) appears in a log line")
            }
            #expect(cluster.logs.lines.allSatisfy { !$0.contains(cluster.redis.password ?? "?") })
        }
    }

    @Test func aCancelOnOneServerStopsThePollingOnAnother() async throws {
        try await withCluster(count: 2) { cluster in
            try await cluster.waitUntilSubscribed()
            let profile = try #require(SimulatedSetup.profiles["se-bankid"])
            // Erik Väntar never answers: the verification polls until someone stops it.
            let number = try PersonalNumber.parse("199002029826", kind: .sePersonnummer).get()
            let started = await cluster.services[0].engine.start(VerificationRequest(
                profile: profile, number: number, callerID: "+46709876543", initiator: "alice"))
            #expect(started.status == .pending)
            #expect(await cluster.services[0].engine.activeCount == 1)

            let cancelled = await cluster.services[1].engine.cancel(txn: started.txn, error: "cancelled", reason: "cancelled by agent bob")
            #expect(cancelled?.status == .cancelled)
            #expect(cancelled?.error == "cancelled")
            #expect(cancelled?.reason == "cancelled by agent bob")
            // Server 0 saved the cancelled record after its poller ended: once it has seen its own
            // final record, nothing runs there any more.
            #expect(await cluster.services[0].engine.waitForFinal(txn: started.txn, timeout: .seconds(30))?.status == .cancelled)
            #expect(await cluster.services[0].engine.activeCount == 0)
            #expect(await cluster.connections[0].verifications.record(txn: started.txn)?.status == .cancelled)

            // A cancel of a final verification leaves it as it is.
            #expect(await cluster.services[1].engine.cancel(txn: started.txn)?.status == .cancelled)
        }
    }

    @Test func storeUnreachableRecordsStayOnTheirServer() async throws {
        try await withCluster(count: 2) { cluster in
            await cluster.redis.kill()
            let call = try await cluster.call(on: 0, number: SharedRateLimitTests.fastNumber)
            #expect(call.transcript.variables["CIBA_STATUS"] == "VERIFIED")
            let txn = try #require(call.transcript.variables["CIBA_TXN"])
            #expect(await cluster.connections[0].verifications.record(txn: txn)?.status == .verified)
            #expect(await cluster.connections[0].verifications.recent(limit: 5).map(\.txn) == [txn])
            #expect(await cluster.connections[1].verifications.record(txn: txn) == nil)
            try await cluster.redis.restart()
            // Back: a record saved during the outage is still read on its own server.
            #expect(await cluster.connections[0].verifications.record(txn: txn)?.status == .verified)
            #expect(cluster.connections[0].health.isUp)
        }
    }
}
