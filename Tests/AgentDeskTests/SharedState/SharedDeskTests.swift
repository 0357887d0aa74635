import Foundation
import HTTPServer
import RESP
import RedisTesting
import Sockets
import StructuredLogging
import Testing
import CIBASimulator
@testable import AgentDesk
@testable import CallerAuth

/// Two servers' agent desks sharing one real Redis (`sharedState`): a verification an agent
/// starts on desk A is read and streamed (SSE) on desk B, and desk B's DELETE stops A's polling.
@Suite("agent desks sharing a Redis", .enabled(if: RedisServerProcess.isAvailable,
       "no redis-server on PATH (apt-get install redis-server); CI sets CIBA_AGI_REQUIRE_REDIS=1 so this cannot be skipped there"))
struct SharedDeskTests {
    @Test func startedOnDeskAReadAndStreamedOnDeskBAndCancelledFromThere() async throws {
        let redis = try await RedisServerProcess.start()
        let settings = SharedStateSettings(endpoint: redis.endpoint, keyPrefix: "desk-test:", timeout: .seconds(30),
                                           keySecret: Array("a test key secret of 32 bytes...".utf8))
        let limits = RateLimitSettings(perCallerPer10Min: 100, perNumberPer10Min: 100)
        var connections: [SharedStateConnection] = []
        var desks: [DeskHarness] = []
        var servers: [HTTPServer] = []
        do {
            for index in 0..<2 {
                let connection = try SharedStateConnection(settings: settings, rateLimits: limits, retentionMinutes: 60,
                                                           logger: .disabled, serverID: "desk-\(index)")
                connection.start()
                #expect(await connection.verifications.waitUntilSubscribed(timeout: .seconds(30)))
                connections.append(connection)
                desks.append(try await DeskHarness(rateLimits: limits, shared: (connection.rateLimits, connection.verifications)))
            }
            let serverB = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled, handler: desks[1].desk.handler)
            servers.append(serverB)
            let addressB = try serverB.start()
            let loginA = try await desks[0].login()
            let loginB = try await desks[1].login("bob", TestAgents.bobPassword)
            let streamB = try await EventStreamReader(addressB, cookie: loginB.cookie)
            #expect(try await streamB.read(until: ": connected\n\n"))

            // Verified on A (its provider, its engine), streamed on B.
            let verified = try await desks[0].startVerification(loginA, number: SimulatedPerson.demoNumber, profile: "se-bankid")
            let txn = try #require(verified["txn"]?.stringValue)
            #expect(try await streamB.read(until: #""status":"verified""#))
            let events = streamB.received.components(separatedBy: "\n\n").filter { $0.contains("event: verification") && $0.contains(txn) }
            #expect(events.first?.contains(#""status":"started""#) == true)
            #expect(events.contains { $0.contains(#""status":"pending""#) })
            #expect(!streamB.received.contains(SimulatedPerson.demoNumber))
            let onB = await desks[1].send("GET", "/api/v1/verifications/\(txn)", cookie: loginB.cookie)
            #expect(onB.status == 200)
            #expect(json(onB)["status"]?.stringValue == "verified")
            #expect(json(onB)["initiator"]?.stringValue == "alice")

            // Erik Väntar never answers: pending on A until B's agent cancels it.
            let pending = try await desks[0].startVerification(loginA, number: "199002029826", profile: "se-bankid")
            let pendingTxn = try #require(pending["txn"]?.stringValue)
            let cancel = await desks[1].send("DELETE", "/api/v1/verifications/\(pendingTxn)", cookie: loginB.cookie, csrf: loginB.csrf)
            #expect(cancel.status == 200)
            #expect(json(cancel)["status"]?.stringValue == "cancelled")
            // A's poller ended before it saved the cancelled record; once A has seen its own final
            // record, nothing runs there any more.
            #expect(await desks[0].callerAuth.engine.waitForFinal(txn: pendingTxn, timeout: .seconds(30))?.status == .cancelled)
            #expect(await desks[0].callerAuth.engine.activeCount == 0)
            let onA = await desks[0].send("GET", "/api/v1/verifications/\(pendingTxn)", cookie: loginA.cookie)
            #expect(json(onA)["status"]?.stringValue == "cancelled")
            #expect(await connections[0].verifications.record(txn: pendingTxn)?.reason == "cancelled by agent bob")
        } catch {
            Issue.record(error)
        }
        for server in servers { await server.shutdown() }
        for desk in desks { await desk.shutdown() }
        for connection in connections { await connection.shutdown() }
        await redis.stop()
    }
}
