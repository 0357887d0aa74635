import Foundation
import Testing
import RESP
import RedisTesting
import StructuredLogging
import TLS
@testable import CallerAuth

/// `rediss://`: the shared store over TLS (Debian's redis-server is built with TLS), with the
/// server's certificate verified against `sharedState.caFile`.
@Suite("sharedState over TLS against a real Redis", .enabled(if: RedisServerProcess.isAvailable, redisSkipReason))
struct SharedStateTLSTests {
    @Test func ratesAndRecordsOverTLSAndAnUntrustedServerIsOneClearLine() async throws {
        let directory = try TestCertificateAuthority.temporaryDirectory("redis-tls")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try TestCertificateAuthority.make(in: directory)
        let redis = try await RedisServerProcess.start(tls: RedisServerProcess.TLSFiles(
            certificateFile: files.serverCertificateFile, keyFile: files.serverKeyFile, caFile: files.caCertificateFile))
        do {
            try await exercise(redis, files: files)
        } catch {
            await redis.stop()
            throw error
        }
        await redis.stop()
    }

    private func exercise(_ redis: RedisServerProcess, files: TestCertificateFiles) async throws {
        #expect(redis.url.hasPrefix("rediss://"))
        let settings = SharedStateSettings(endpoint: try RedisEndpoint.parse(redis.url), keyPrefix: "tls:", timeout: .seconds(30),
                                           keySecret: Array("a test key secret of 32 bytes...".utf8), caFile: files.caCertificateFile)
        let check = await SharedStateConnection.checkConfiguration(settings, connectTimeout: .seconds(30))
        #expect(check.usable, "\(check.line)")
        #expect(check.line.contains("(TLS,"))

        let connection = try SharedStateConnection(settings: settings, rateLimits: RateLimitSettings(perCallerPer10Min: 5, perNumberPer10Min: 1),
                                                   retentionMinutes: 60, logger: .disabled)
        connection.start()
        let subscribed = await connection.verifications.waitUntilSubscribed(timeout: .seconds(30))
        let first = await connection.rateLimits.admit(callerID: "+46701234567", number: "196802020575")
        let second = await connection.rateLimits.admit(callerID: "+46701234567", number: "196802020575")
        let record = VerificationRecord(txn: "tls-txn", status: .pending, profile: "se-bankid", initiator: "ivr",
                                        numberMasked: "19680202****", callerIDMasked: "+46701******", createdAt: Date(), updatedAt: Date())
        await connection.verifications.save(record)
        let readBack = await connection.verifications.record(txn: "tls-txn")
        let up = connection.health.isUp
        await connection.shutdown()
        #expect(subscribed)
        #expect(first == .admitted)
        #expect(second == .refused(which: ["number"]))
        #expect(readBack?.status == .pending)
        #expect(up)

        // The system trust store does not know the test CA: refused, and said so in one line.
        var untrusted = settings
        untrusted.caFile = nil
        let refused = await SharedStateConnection.checkConfiguration(untrusted, connectTimeout: .seconds(30))
        #expect(!refused.usable)
        #expect(refused.line.hasPrefix("problem: sharedState: TLS with 127.0.0.1:\(redis.port) failed"), "\(refused.line)")
        #expect(!refused.line.contains(redis.password ?? "?"))

        // Plain redis:// to a TLS port: no answer a client could mistake for one.
        var plain = settings
        plain.endpoint.useTLS = false
        plain.caFile = nil
        #expect(await SharedStateConnection.checkConfiguration(plain, connectTimeout: .seconds(30)).usable == false)
    }
}
