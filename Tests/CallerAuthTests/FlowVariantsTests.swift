import Foundation
import Testing
import AGITesting
import CIBASimulator
import IdentityNumbers
@testable import CallerAuth

/// Options, preset numbers, exposed numbers, claim mapping and the word-pair strategies.
@Suite("caller-auth variants", .serialized)
struct FlowVariantsTests {
    static func profiles(_ change: (inout [String: Profile]) -> Void) -> [String: Profile] {
        var profiles = SimulatedSetup.profiles
        change(&profiles)
        return profiles
    }

    @Test func agentTypedNumberExposedNumberClaimMappingAndLanguage() async throws {
        let harness = try await FlowHarness(profiles: Self.profiles {
            $0["se-bankid"]?.exposeIDNumber = true
            $0["se-bankid"]?.claimVariables = ["identityscheme": "MY_SCHEME", "authenticationtype": "MY_ACR"]
        })
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(options: "number=19901010-9909&initiator=rp&language=en", language: "sv")
        #expect(!call.commands.contains { $0.hasPrefix("GET DATA") })
        #expect(call.commands.contains("SET VARIABLE CHANNEL(language) \"en\""))
        #expect(call.variables["CIBA_STATUS"] == "VERIFIED")
        #expect(call.variables["CIBA_ID_NUMBER"] == "199010109909")
        #expect(call.variables["MY_SCHEME"] == "sebankid")
        #expect(call.variables["MY_ACR"] == "urn:grn:authn:se:bankid")
        #expect(call.variables["CIBA_BIRTHDATE"] == "1990-10-10")
        #expect(harness.authorizeRequests.first?.callInitiator == "RP")
        expectAudit(call, status: "VERIFIED", error: "", numberMasked: "19901010****", sub: call.variables["CIBA_SUB"] ?? "")
    }

    @Test func presetVariableNumberIsValidatedToo() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(variables: ["CIBA_ID_NUMBER": "196802020576"], answered: false)
        #expect(!call.commands.contains { $0.hasPrefix("GET DATA") })
        // The channel was not answered yet (CHANNEL STATUS 4): the flow answers it first.
        #expect(Array(call.commands.prefix(3)).last == "ANSWER")
        expectVariables(call, emptyIdentity(status: "INVALID", error: "invalid_number").merging(["CIBA_ID_NUMBER": "196802020576"]) { $1 })
        #expect(call.commands.contains { $0.hasPrefix("STREAM FILE ciba/invalid-id-number") })
        #expect(harness.provider.requests.isEmpty)
    }

    @Test func unknownProfileIsAConfigError() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(profile: "nope")
        expectVariables(call, emptyIdentity(status: "ERROR", error: "config_error"))
        expectAudit(call, status: "ERROR", error: "config_error", numberMasked: "", profile: "nope")
    }

    @Test func ttsStrategyRendersPlaysAndDeletesTheFile() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let harness = try await FlowHarness(profiles: Self.profiles {
            $0["no-bankid"]?.wordPairStrategy = .tts(TTSSettings(command: ["/usr/bin/touch", "{file}"], soundDirectory: directory))
        })
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(profile: "no-bankid", digits: "15868540033#", language: "nb")
        expectVariables(call, emptyIdentity(status: "DENIED", error: "access_denied", binding: call.variables["CIBA_BINDING_MESSAGE"] ?? "?"))
        #expect(call.commands.contains { $0.hasPrefix("STREAM FILE \(directory)/ciba-wordpair-") })
        #expect(!call.commands.contains { $0.hasPrefix("SAY ALPHA") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func execStrategyAndFallbackToSpelling() async throws {
        let harness = try await FlowHarness(profiles: Self.profiles {
            $0["no-bankid"]?.wordPairStrategy = .exec(ExecSettings(application: "Playback", arguments: "tts/{text}"))
            $0["nb-missing"] = $0["no-bankid"]
            $0["nb-missing"]?.name = "nb-missing"
            $0["nb-missing"]?.wordPairStrategy = .exec(ExecSettings(application: "NoSuchTTS", arguments: "{text}"))
        })
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(profile: "no-bankid", digits: "15868540033#", language: "nb")
        #expect(call.commands.contains { $0.hasPrefix("EXEC Playback") })
        #expect(!call.commands.contains { $0.hasPrefix("SAY ALPHA") })
        #expect(call.variables["CIBA_STATUS"] == "DENIED")
        let fallback = try await harness.call(profile: "nb-missing", digits: "15868540033#", callerID: "+4799", language: "nb")
        #expect(fallback.commands.contains { $0.hasPrefix("EXEC NoSuchTTS") })
        #expect(fallback.commands.contains { $0.hasPrefix("SAY ALPHA") })
    }

    @Test func callerIDProfileSendsTheCallerIDWithoutAskingForANumber() async throws {
        let harness = try await FlowHarness(profiles: Self.profiles {
            $0["transmit"] = Profile(name: "transmit", numberKind: nil, loginHint: "{callerid}", loginHintSource: .callerID)
        })
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(profile: "transmit", language: "en")
        #expect(!call.commands.contains { $0.hasPrefix("GET DATA") })
        // The (Idura-like) simulator cannot handle a phone-number hint: the request was made and refused with 400.
        #expect(harness.authorizeRequests.count == 1)
        #expect(harness.authorizeRequests.first?.status == 400)
        expectVariables(call, emptyIdentity(status: "ERROR", error: "provider_error"))
        expectAudit(call, status: "ERROR", error: "provider_error", numberMasked: "", profile: "transmit")
        let anonymous = try await harness.call(profile: "transmit", callerID: "unknown", language: "en")
        #expect(anonymous.variables["CIBA_STATUS"] == "INVALID")
        #expect(anonymous.variables["CIBA_ERROR"] == "invalid_number")
        #expect(harness.authorizeRequests.count == 1)
    }

    @Test func lastPollCutShortByExpiryIsExpiredNotUnreachable() async throws {
        // Polls answered 0.6 s late: poll 1 at 1 s (answered 1.6 s), poll 2 at 2.6 s gets only
        // the 0.4 s left before expiry (3 s) and times out.
        let harness = try await FlowHarness(simulator: FlowHarness.fastSimulator(expiresIn: 3),
                                            transport: { SlowTokenTransport(inner: $0, delay: .milliseconds(600)) })
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(digits: "199002029826#")
        expectVariables(call, emptyIdentity(status: "EXPIRED", error: "expired_token"))
        expectAudit(call, status: "EXPIRED", error: "expired_token", numberMasked: "19900202****")
        #expect(call.audit?.polls == 2)
    }

    @Test func providerThatNeverAnswersPollsIsUnreachable() async throws {
        // Every poll times out (the request timeout is 2 s): no answer at all is not "expired".
        let harness = try await FlowHarness(simulator: FlowHarness.fastSimulator(expiresIn: 4),
                                            transport: { SlowTokenTransport(inner: $0, delay: .seconds(30)) },
                                            requestTimeoutSeconds: 2)
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(digits: "199002029826#")
        expectVariables(call, emptyIdentity(status: "ERROR", error: "provider_unreachable"))
        expectAudit(call, status: "ERROR", error: "provider_unreachable", numberMasked: "19900202****")
    }
}
