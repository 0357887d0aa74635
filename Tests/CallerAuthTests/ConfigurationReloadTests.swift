import Foundation
import Testing
import CIBASimulator
import Sockets
import StructuredLogging
@testable import CallerAuth

/// SIGHUP's reload, driven directly: profiles, rate limits and the log level change for new
/// calls; an invalid file changes nothing; restart-only keys are named, not applied.
@Suite("configuration reload")
struct ConfigurationReloadTests {
    static func file(logLevel: String = "info", perCaller: Int = 5, listen: String = "127.0.0.1:4573",
                     profiles: String = #""se-bankid": {"numberKind": "se-personnummer", "acrValues": "urn:grn:authn:se:bankid", "numberClaim": "ssn"}"#,
                     trailingComma: Bool = false) -> String {
        """
        {
          "listen": "\(listen)",
          "allowedClients": ["127.0.0.1/32"],
          "opsListen": null,
          "auditLog": null,
          "logLevel": "\(logLevel)",
          "rateLimits": {"perCallerPer10Min": \(perCaller), "perNumberPer10Min": 3},
          "provider": {"issuer": "http://127.0.0.1:9", "clientId": "c1", "clientSecret": "s3cret-value"},
          "defaultProfile": "se-bankid",
          "profiles": {\(profiles)}\(trailingComma ? "," : "")
        }
        """
    }

    struct Setup {
        let server: CallerAuthServer
        let logs: InMemoryLogHandler
        let level: LogLevelSwitch
        let path: String
        let limits: AuthenticationRateLimits
    }

    static func setup() throws -> Setup {
        let path = NSTemporaryDirectory() + "ciba-agi-reload-\(UUID().uuidString).json"
        try file().write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader.load(path: path, environment: [:])
        let logs = InMemoryLogHandler()
        let level = LogLevelSwitch(configuration.logLevel)
        let limits = AuthenticationRateLimits(perCaller: configuration.rateLimits.perCallerPer10Min,
                                              perNumber: configuration.rateLimits.perNumberPer10Min)
        let server = try CallerAuthServer(configuration: configuration,
                                          logger: Logger(handler: ThresholdLogHandler(logs, threshold: level), level: .trace),
                                          audit: InMemoryAuditSink(), rateLimits: limits, logLevelSwitch: level)
        return Setup(server: server, logs: logs, level: level, path: path, limits: limits)
    }

    @Test func reloadAppliesProfilesRateLimitsAndLogLevel() async throws {
        let setup = try Self.setup()
        defer { try? FileManager.default.removeItem(atPath: setup.path) }
        #expect(setup.server.configuration.profiles.keys.sorted() == ["se-bankid"])
        setup.server.logger.debug("before.reload")
        let profiles = #""se-bankid": {"numberKind": "se-personnummer", "acrValues": "urn:grn:authn:se:bankid", "numberClaim": "ssn"}, "#
            + #""no-bankid": {"numberKind": "no-fodselsnummer", "acrValues": "urn:grn:authn:no:bankid", "numberClaim": "socialno"}"#
        try Self.file(logLevel: "debug", perCaller: 9, listen: "127.0.0.1:4574", profiles: profiles)
            .write(toFile: setup.path, atomically: true, encoding: .utf8)

        let report = await setup.server.reload(path: setup.path, environment: [:])
        #expect(report.applied)
        #expect(report.problems.isEmpty)
        #expect(report.reloaded.contains("profiles") && report.reloaded.contains("rateLimits") && report.reloaded.contains("logLevel"))
        #expect(report.needRestart == ["listen"])
        #expect(setup.server.configuration.profiles.keys.sorted() == ["no-bankid", "se-bankid"])
        #expect(setup.server.service.configuration.profiles["no-bankid"] != nil)
        #expect(setup.server.configuration.rateLimits.perCallerPer10Min == 9)
        #expect(setup.limits.perCaller == 9)
        #expect(setup.level.level == .debug)
        // The listen address is NOT changed by a reload.
        #expect(setup.server.configuration.listen == [try SocketAddress.parse("127.0.0.1:4573")])
        setup.server.logger.debug("after.reload")
        let events = setup.logs.records.map(\.event)
        #expect(!events.contains("before.reload"))
        #expect(events.contains("after.reload"))
        let reloaded = try #require(setup.logs.records.first { $0.event == "server.reloaded" })
        #expect(reloaded["profiles"] == "no-bankid,se-bankid")
        #expect(setup.logs.records.first { $0.event == "server.reload_needs_restart" }?["keys"] == "listen")
    }

    @Test func anInvalidFileKeepsTheOldConfigurationAndLogsWhy() async throws {
        let setup = try Self.setup()
        defer { try? FileManager.default.removeItem(atPath: setup.path) }
        try Self.file(logLevel: "debug", perCaller: 9, trailingComma: true).write(toFile: setup.path, atomically: true, encoding: .utf8)
        let report = await setup.server.reload(path: setup.path, environment: [:])
        #expect(!report.applied)
        #expect(report.problems == ["not valid JSON: line 11, column 1: trailing comma before '}'"])
        #expect(setup.level.level == .info)
        #expect(setup.limits.perCaller == 5)
        let failed = try #require(setup.logs.records.first { $0.event == "server.reload_failed" })
        #expect(failed.level == .error)
        #expect(failed["problems"]?.contains("line 11") == true)
        #expect(failed["kept"] == "previous configuration")

        // A semantically invalid file (unknown profile as default) is refused the same way.
        try Self.file().replacingOccurrences(of: "\"defaultProfile\": \"se-bankid\"", with: "\"defaultProfile\": \"nope\"")
            .write(toFile: setup.path, atomically: true, encoding: .utf8)
        let second = await setup.server.reload(path: setup.path, environment: [:])
        #expect(!second.applied)
        #expect(second.problems.contains { $0.hasPrefix("defaultProfile") })
        #expect(setup.server.configuration.defaultProfile == "se-bankid")
        // Secrets never appear in what the reload logs.
        #expect(!setup.logs.records.map(\.formatted).joined().contains("s3cret-value"))
    }

    /// A store that cannot change its limits: the reload says a restart is needed.
    struct FixedLimits: RateLimitStore {
        func admit(callerID: String, number: String) async -> RateLimitDecision { .admitted }
    }

    @Test func aStoreThatCannotReloadLimitsIsNamedForRestart() async throws {
        let path = NSTemporaryDirectory() + "ciba-agi-reload-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.file().write(toFile: path, atomically: true, encoding: .utf8)
        let server = try CallerAuthServer(configuration: try ConfigurationLoader.load(path: path, environment: [:]), logger: .disabled,
                                          audit: InMemoryAuditSink(), rateLimits: FixedLimits())
        try Self.file(logLevel: "debug", perCaller: 7).write(toFile: path, atomically: true, encoding: .utf8)
        let report = await server.reload(path: path, environment: [:])
        #expect(report.applied)
        #expect(report.needRestart == ["rateLimits", "logLevel"])
        #expect(server.configuration.rateLimits.perCallerPer10Min == 5)
    }
}
