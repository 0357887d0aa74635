import Foundation
import Testing
import CIBASimulator
import RedisTesting
import Sockets
@testable import CallerAuth

/// `ciba-agi check-config` with a `sharedState` block, the real binary against a real Redis.
@Suite("check-config with sharedState against a real Redis", .enabled(if: RedisServerProcess.isAvailable, redisSkipReason))
struct SharedStateCheckConfigTests {
    @Test func aWrongPasswordIsOneClearLineAndExitOne() async throws {
        let directory = try makeTemporaryDirectory()
        let redis = try await RedisServerProcess.start()
        let provider = SimulatedProvider()
        do {
            let issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0"))
            let path = try ExecutableTests.writeConfiguration(directory: directory, issuer: issuer, agiPort: 4573, opsPort: 9464,
                                                              secret: SimulatorConfiguration.demoClientSecret)
            let base = try String(contentsOfFile: path, encoding: .utf8)
            // timeoutMilliseconds is only a failure bound here (a loaded machine answers late).
            let shared = base.replacingOccurrences(of: #""drainTimeoutSeconds": 300"#, with: """
                "drainTimeoutSeconds": 300,
                "sharedState": {"redis": "redis://127.0.0.1:\(redis.port)/0", "passwordFile": "redis-password", "timeoutMilliseconds": 10000}
                """)
            #expect(shared != base, "the sharedState block was inserted")
            try shared.write(toFile: path, atomically: true, encoding: .utf8)

            try "not-the-password-17\n".write(toFile: directory + "/redis-password", atomically: true, encoding: .utf8)
            let (badStatus, badOut, badErr) = try await Subprocess.run(["check-config", "--config", path], directory: directory)
            #expect(badStatus == 1, "\(badOut)\n\(badErr)")
            let lines = badOut.split(separator: "\n").filter { $0.contains("sharedState") }
            #expect(lines == ["problem: sharedState: 127.0.0.1:\(redis.port): wrong password or user name for the default user (WRONGPASS)"],
                    "\(badOut)")
            #expect(!badOut.contains("not-the-password-17") && !badErr.contains("not-the-password-17"))

            try ((redis.password ?? "") + "\n").write(toFile: directory + "/redis-password", atomically: true, encoding: .utf8)
            let (status, out, err) = try await Subprocess.run(["check-config", "--config", path], directory: directory)
            #expect(status == 0, "\(out)\n\(err)")
            #expect(out.contains("ok: sharedState: redis://:***@127.0.0.1:\(redis.port)/0 answers (no TLS, key names keyed by password, sharedStateFailure local)"),
                    "\(out)")
            #expect(!out.contains(redis.password ?? "?"))
        } catch {
            Issue.record(error)
        }
        await provider.shutdown()
        await redis.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
