import Foundation
import Testing
import AGITesting
import RESP
import RedisTesting
import StructuredLogging
@testable import CallerAuth

/// The rate limits of several servers held in one real Redis (`sharedState`), and what
/// happens while that store is away.
@Suite("shared rate limits against a real Redis", .enabled(if: RedisServerProcess.isAvailable, redisSkipReason))
struct SharedRateLimitTests {
    /// Sam Snabb approves at the first poll: admitted calls end quickly.
    static let fastNumber = "199010109909"

    @Test func theLimitHoldsAcrossThreeServers() async throws {
        try await withCluster(rateLimits: RateLimitSettings(perCallerPer10Min: 100, perNumberPer10Min: 3)) { cluster in
            // Six calls at once for one number, spread round robin: two per server. Alone, each
            // server would let all of its own through (3 per server); together exactly 3 pass.
            let calls = try await withThrowingTaskGroup(of: (Int, CallTranscript).self) { group in
                for _ in 0..<6 { group.addTask { try await cluster.call(number: Self.fastNumber) } }
                var all: [(Int, CallTranscript)] = []
                for try await call in group { all.append(call) }
                return all
            }
            #expect(Set(calls.map(\.0)) == [0, 1, 2])
            let limited = calls.filter { $0.1.variables["CIBA_STATUS"] == "RATE_LIMITED" }
            #expect(limited.count == 3, "statuses: \(calls.map { $0.1.variables["CIBA_STATUS"] ?? "-" })")
            #expect(limited.allSatisfy { $0.1.variables["CIBA_ERROR"] == "rate_limited" })
            #expect(calls.filter { $0.1.variables["CIBA_STATUS"] == "VERIFIED" }.count == 3)
            #expect(cluster.authorizeRequests == 3)

            // The window is the injected wall clock's: 10 minutes later the number may try again.
            cluster.wallClock.advance(601)
            let later = try await cluster.call(number: Self.fastNumber)
            #expect(later.transcript.variables["CIBA_STATUS"] == "VERIFIED")
            #expect(cluster.authorizeRequests == 4)
            #expect(cluster.connections.allSatisfy { $0.health.isUp && $0.health.failureCount == 0 })
        }
    }

    @Test func theStoreKilledAndRestartedMidTest() async throws {
        try await withCluster(rateLimits: RateLimitSettings(perCallerPer10Min: 100, perNumberPer10Min: 2)) { cluster in
            func status(_ server: Int) async throws -> String {
                try await cluster.call(on: server, number: Self.fastNumber).transcript.variables["CIBA_STATUS"] ?? "-"
            }
            // Shared: server 0 uses one of the two.
            #expect(try await status(0) == "VERIFIED")

            await cluster.redis.kill()
            // Calls go on; each server falls back to its own window. Server 1 has admitted
            // nothing itself, so it lets two through; server 0 remembers its one.
            #expect(try await status(1) == "VERIFIED")
            #expect(try await status(1) == "VERIFIED")
            #expect(try await status(1) == "RATE_LIMITED")
            #expect(try await status(0) == "VERIFIED")
            #expect(try await status(0) == "RATE_LIMITED")
            #expect(!cluster.connections[0].health.isUp && !cluster.connections[1].health.isUp)
            let metrics = cluster.connections[1].health.renderMetrics()
            #expect(metrics.contains("ciba_agi_shared_state_up 0\n"))
            #expect(metrics.contains("ciba_agi_shared_state_fallbacks_total{mode=\"local\"} 3\n"))

            // Back (empty, no persistence): the shared window counts again, across servers.
            try await cluster.redis.restart()
            #expect(try await status(2) == "VERIFIED")
            #expect(try await status(0) == "VERIFIED")  // its own window is full, the shared one is not
            #expect(try await status(1) == "RATE_LIMITED")
            #expect(cluster.connections[0].health.isUp && cluster.connections[1].health.isUp)
            #expect(cluster.connections[1].health.renderMetrics().contains("ciba_agi_shared_state_up 1\n"))

            // One line per transition and server, never one per call.
            let lines = cluster.logs.lines
            for server in 0...1 {
                #expect(lines.filter { $0.contains("shared_state.down") && $0.contains("instance=\(server) ") }.count == 1, "\(lines.filter { $0.contains("shared_state") })")
                #expect(lines.filter { $0.contains("shared_state.up") && $0.contains("instance=\(server) ") }.count == 1)
            }
            #expect(cluster.connections[1].health.transitionCount == 2)
        }
    }

    @Test func closedModeRefusesNewVerificationsWhileTheStoreIsAway() async throws {
        try await withCluster(count: 1, failureMode: .closed) { cluster in
            await cluster.redis.kill()
            let call = try await cluster.call(on: 0, number: Self.fastNumber)
            #expect(call.transcript.variables["CIBA_STATUS"] == "RATE_LIMITED")
            #expect(call.transcript.variables["CIBA_ERROR"] == "rate_limited")
            #expect(cluster.authorizeRequests == 0)
            let txn = try #require(call.transcript.variables["CIBA_TXN"])
            let record = try #require(await cluster.connections[0].verifications.record(txn: txn))
            #expect(record.reason == "the shared rate-limit store is unreachable (sharedStateFailure closed)")
            #expect(cluster.connections[0].health.renderMetrics().contains("ciba_agi_shared_state_fallbacks_total{mode=\"closed\"} 1\n"))

            try await cluster.redis.restart()
            #expect(try await cluster.call(on: 0, number: Self.fastNumber).transcript.variables["CIBA_STATUS"] == "VERIFIED")
        }
    }

    @Test func aWrongPasswordIsOneClearLineAndCallsGoOn() async throws {
        let redis = try await RedisServerProcess.start()
        do {
            try await wrongPassword(redis)
        } catch {
            await redis.stop()
            throw error
        }
        await redis.stop()
    }

    private func wrongPassword(_ redis: RedisServerProcess) async throws {
        var endpoint = redis.endpoint
        endpoint.password = "not-the-password-42"
        let settings = SharedStateSettings(endpoint: endpoint, keyPrefix: "test:", timeout: .seconds(30),
                                           keySecret: Array("a test key secret of 32 bytes...".utf8))
        let check = await SharedStateConnection.checkConfiguration(settings, connectTimeout: .seconds(30))
        #expect(!check.usable)
        #expect(check.line.hasPrefix("problem: sharedState: 127.0.0.1:\(redis.port): wrong password or user name for the default user"),
                "\(check.line)")
        #expect(!check.line.contains("not-the-password-42") && !check.line.contains(redis.password ?? "?"))

        var good = settings
        good.endpoint.password = redis.password
        let ok = await SharedStateConnection.checkConfiguration(good, connectTimeout: .seconds(30))
        #expect(ok.usable, "\(ok.line)")
        #expect(ok.line.hasPrefix("ok: sharedState: redis://:***@127.0.0.1:\(redis.port)/0 answers"))

        // A server with the wrong password still decides, on its own window, and says why once.
        let logs = InMemoryLogHandler()
        let connection = try SharedStateConnection(settings: settings, rateLimits: RateLimitSettings(perCallerPer10Min: 5, perNumberPer10Min: 1),
                                                   retentionMinutes: 60, logger: Logger(handler: logs, level: .debug),
                                                   backoff: ReconnectBackoff(initial: .zero, maximum: .zero, jitter: 0))
        let first = await connection.rateLimits.admit(callerID: "+46701234567", number: Self.fastNumber)
        let second = await connection.rateLimits.admit(callerID: "+46701234567", number: Self.fastNumber)
        await connection.shutdown()
        #expect(first == .admitted)
        #expect(second == .refused(which: ["number"]))
        #expect(connection.health.problem?.contains("wrong password") == true)
        #expect(logs.lines.filter { $0.contains("shared_state.down") }.count == 1)
        #expect(logs.lines.allSatisfy { !$0.contains("not-the-password-42") })
    }

    @Test func theScriptIsLoadedAgainAfterTheServerForgetsIt() async throws {
        try await withCluster(count: 1, rateLimits: RateLimitSettings(perCallerPer10Min: 100, perNumberPer10Min: 2)) { cluster in
            let store = cluster.connections[0].rateLimits
            let raw = cluster.rawClient()
            defer { raw.shutdown() }
            #expect(await store.admit(callerID: "+4670111", number: "n1") == .admitted)
            _ = try await raw.execute("SCRIPT", ["FLUSH"])
            #expect(await store.admit(callerID: "+4670222", number: "n1") == .admitted)
            #expect(await store.admit(callerID: "+4670333", number: "n1") == .refused(which: ["number"]))
            #expect(cluster.connections[0].health.failureCount == 0)
            // Keys expire with the window; members are times in the injected clock's milliseconds.
            let key = store.keys(callerID: "+4670111", number: "n1").number
            let ttl = try await raw.execute("PTTL", [key])
            guard case .integer(let ms) = ttl else { Issue.record("PTTL gave \(ttl)"); return }
            #expect(ms > 590_000 && ms <= 600_000)
            let scores = try await raw.execute("ZRANGE", [key, "0", "-1", "WITHSCORES"]).elements?.compactMap(\.string) ?? []
            #expect(scores.count == 4 && scores[1] == String(Int64(cluster.wallClock.now.timeIntervalSince1970 * 1000)))
        }
    }
}
