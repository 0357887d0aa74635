import Foundation
import Testing
import AGI
import AGITesting
import CIBASimulator
@testable import CallerAuth

/// `retryOnDenied`: ask after DENIED, only `1` retries, never more than two retries.
@Suite("retry with consent")
struct RetryWithConsentTests {
    static let denier = QueueFixture.norwegianDenier
    /// Typed once the number prompt runs (not at a call time), so a loaded machine cannot make it early.
    static let typeNumber = FakeKeypress(at: .milliseconds(500), digits: denier + "#", gap: .milliseconds(100),
                                         afterCommand: "GET DATA ciba/enter-id-number")

    /// `answers[i]` is pressed at the i-th `ciba/retry-offer` (nil: the caller presses nothing).
    func call(_ fixture: QueueFixture, answers: [String]) async throws -> FlowHarness.Call {
        let keypresses = answers.enumerated().map { index, digit in
            FakeKeypress(at: .milliseconds(300), digits: digit, gap: .milliseconds(100),
                         afterCommand: "GET DATA ciba/retry-offer", afterOccurrence: index + 1)
        }
        return try await fixture.harness.call(profile: "no-bankid", keypresses: [Self.typeNumber] + keypresses, language: "nb")
    }

    @Test func acceptedRetryIsANewAttemptWithItsOwnAuditRecord() async throws {
        let fixture = try await QueueFixture(retryOnDenied: 1)
        let result = try await call(fixture, answers: ["1"])
        let commands = result.commands
        #expect(commands.filter { $0.hasPrefix("GET DATA ciba/enter-id-number") }.count == 1, "the number is not asked again")
        #expect(commands.filter { $0.hasPrefix("GET DATA ciba/retry-offer") }.count == 1, "retryOnDenied 1: one offer")
        #expect(commands.filter { $0.hasPrefix("STREAM FILE ciba/denied") }.count == 2)
        let offer = try #require(commands.firstIndex { $0.hasPrefix("GET DATA ciba/retry-offer") })
        let firstDenied = try #require(commands.firstIndex { $0.hasPrefix("STREAM FILE ciba/denied") })
        #expect(firstDenied < offer, "the caller hears the result before the question")
        #expect(fixture.harness.authorizeRequests.count == 2)
        let records = fixture.harness.audit.records
        #expect(records.map(\.status) == ["DENIED", "DENIED"])
        #expect(Set(records.map(\.txn)).count == 2)
        #expect(Set(records.map(\.uniqueID)).count == 1, "both attempts belong to the same call")
        #expect(result.variables["CIBA_TXN"] == records.last?.txn, "the last attempt's variables stand")
        #expect(result.variables["CIBA_STATUS"] == "DENIED")
        #expect(commands.contains { $0.hasPrefix("STREAM FILE ciba/press-star-to-repeat") }, "the * hint follows the word pair")
        await fixture.shutdown()
    }

    @Test func declinedWithAnotherKeyOrSilence() async throws {
        let fixture = try await QueueFixture(retryOnDenied: 2)
        let other = try await call(fixture, answers: ["2"])
        #expect(other.commands.filter { $0.hasPrefix("GET DATA ciba/retry-offer") }.count == 1)
        #expect(fixture.harness.audit.records.count == 1)
        let silent = try await call(fixture, answers: [])
        #expect(silent.commands.filter { $0.hasPrefix("GET DATA ciba/retry-offer") }.count == 1)
        #expect(fixture.harness.audit.records.count == 2)
        #expect(fixture.harness.authorizeRequests.count == 2)
        await fixture.shutdown()
    }

    @Test func neverMoreThanTwoRetries() async throws {
        let fixture = try await QueueFixture(retryOnDenied: 2)
        let result = try await call(fixture, answers: ["1", "1", "1"])
        #expect(result.commands.filter { $0.hasPrefix("GET DATA ciba/retry-offer") }.count == 2, "no third offer")
        #expect(fixture.harness.authorizeRequests.count == 3)
        #expect(fixture.harness.audit.records.map(\.status) == ["DENIED", "DENIED", "DENIED"])
        await fixture.shutdown()
    }

    @Test func rateLimitsCountEveryAttempt() async throws {
        var profiles = SimulatedSetup.profiles
        profiles["no-bankid"]?.retryOnDenied = 2
        let harness = try await FlowHarness(rateLimits: RateLimitSettings(perCallerPer10Min: 5, perNumberPer10Min: 2), profiles: profiles)
        let keypresses = (1...2).map { FakeKeypress(at: .milliseconds(300), digits: "1", gap: .milliseconds(100),
                                                    afterCommand: "GET DATA ciba/retry-offer", afterOccurrence: $0) }
        let result = try await harness.call(profile: "no-bankid", keypresses: [Self.typeNumber] + keypresses, language: "nb")
        #expect(harness.audit.records.map(\.status) == ["DENIED", "DENIED", "RATE_LIMITED"])
        #expect(harness.authorizeRequests.count == 2, "the third attempt never reached the provider")
        #expect(result.variables["CIBA_STATUS"] == "RATE_LIMITED")
        await harness.shutdown()
    }

    @Test func configurationRange() throws {
        for (value, ok) in [("0", true), ("2", true), ("3", false), ("-1", false), ("1.5", false)] {
            let json = """
            {"provider": {"issuer": "http://127.0.0.1:1", "clientId": "c", "clientAuth": "client_secret_basic", "clientSecret": "s"},
             "auditLog": null, "profiles": {"no": {"numberKind": "no-fodselsnummer", "retryOnDenied": \(value)}}}
            """
            do {
                let configuration = try ConfigurationLoader.load(data: Data(json.utf8), baseDirectory: "/tmp", environment: [:])
                #expect(ok, "retryOnDenied \(value) accepted")
                #expect(configuration.profiles["no"]?.retryOnDenied == Int(value))
            } catch let error as ConfigurationError {
                #expect(!ok, "retryOnDenied \(value): \(error)")
                #expect(error.problems.contains { $0.path == "profiles.no.retryOnDenied" && $0.message.contains("0 to 2") })
            }
        }
    }
}
