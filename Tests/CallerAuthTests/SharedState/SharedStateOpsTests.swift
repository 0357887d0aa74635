import Foundation
import Testing
import CIBA
import CIBASimulator
import RESP
import RedisTesting
import Sockets
import StructuredLogging
@testable import CallerAuth

/// What operators see of the shared store on a running server: the `sharedState` check of
/// `/readyz` and the metrics, through the store going away and coming back.
@Suite("sharedState in /readyz and /metrics against a real Redis", .enabled(if: RedisServerProcess.isAvailable, redisSkipReason))
struct SharedStateOpsTests {
    @Test(arguments: [SharedStateFailureMode.closed, .local])
    func readinessAndMetricsFollowTheStore(mode: SharedStateFailureMode) async throws {
        let redis = try await RedisServerProcess.start()
        let provider = SimulatedProvider()
        do {
            let issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0"))
            var configuration = try SimulatedSetup.configuration(issuer: issuer)
            let settings = SharedStateSettings(endpoint: redis.endpoint, keyPrefix: "ops:", timeout: .seconds(30),
                                               keySecret: Array("a test key secret of 32 bytes...".utf8), failureMode: mode)
            configuration.sharedState = settings
            let logs = InMemoryLogHandler()
            let logger = Logger(handler: logs, level: .debug)
            // No reconnect pause: the first PING after the restart connects (deterministic recovery).
            let shared = try SharedStateConnection(settings: settings, rateLimits: configuration.rateLimits, retentionMinutes: 60,
                                                   logger: logger, backoff: ReconnectBackoff(initial: .zero, maximum: .zero, jitter: 0))
            let server = try CallerAuthServer(configuration: configuration, logger: logger, audit: InMemoryAuditSink(), sharedState: shared)
            try server.start()
            #expect(server.readiness.names.contains("sharedState"))

            func sharedStateEntry() async -> ReadinessResult? {
                await server.readiness.evaluate().entries.first { $0.name == "sharedState" }?.result
            }
            let up = try #require(await sharedStateEntry())
            #expect(up.isOK)
            #expect(up.reason.hasPrefix("127.0.0.1:\(redis.port) answers"), "\(up.reason)")
            #expect(server.metrics.render().contains("ciba_agi_shared_state_up 1\n"))

            await redis.kill()
            let down = try #require(await sharedStateEntry())
            switch mode {
            case .closed:
                #expect(!down.isOK)
                #expect(down.reason.hasPrefix("store unreachable, new verifications are refused (sharedStateFailure closed): "))
            case .local:
                #expect(down.isOK)
                #expect(down.reason.hasPrefix("degraded: store unreachable, each server uses its own rate-limit window: "))
            }
            let metrics = server.metrics.render()
            #expect(metrics.contains("ciba_agi_shared_state_up 0\n"))
            #expect(metrics.contains("# TYPE ciba_agi_shared_state_failures_total counter\n"))
            #expect(!down.reason.contains(redis.password ?? "?"))

            try await redis.restart()
            let back = try #require(await sharedStateEntry())
            #expect(back.isOK && back.reason.contains("answers"), "\(back.reason)")
            #expect(server.metrics.render().contains("ciba_agi_shared_state_up 1\n"))
            #expect(logs.lines.filter { $0.contains("event=shared_state.down") }.count == 1)
            #expect(logs.lines.filter { $0.contains("event=shared_state.up") }.count == 1)
            #expect(logs.lines.allSatisfy { !$0.contains(redis.password ?? "?") })
            await server.shutdown(drainTimeout: .zero)
        } catch {
            Issue.record(error)
        }
        await provider.shutdown()
        await redis.stop()
    }
}
