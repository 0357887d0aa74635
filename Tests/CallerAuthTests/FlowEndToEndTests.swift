import Foundation
import Testing
import AGITesting
import CIBASimulator
@testable import CallerAuth

/// One test per outcome, through the fake Asterisk (in memory) and the simulated provider
/// (real HTTP on loopback). Each checks every channel variable and the audit record.
@Suite("caller-auth end to end", .serialized)
struct FlowEndToEndTests {
    @Test func verifiedSwedishBankID() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(digits: "196802020575#")
        expectVariables(call, [
            "CIBA_STATUS": "VERIFIED", "CIBA_ERROR": "", "CIBA_BINDING_MESSAGE": "",
            "CIBA_SUB": SimulatedPerson.catalog[0].subject, "CIBA_NAME": "Terne Paulsen", "CIBA_GIVEN_NAME": "Terne",
            "CIBA_FAMILY_NAME": "Paulsen", "CIBA_BIRTHDATE": "1968-02-02", "CIBA_COUNTRY": "SE", "CIBA_IDENTITY_SCHEME": "sebankid",
        ])
        expectAudit(call, status: "VERIFIED", error: "", numberMasked: "19680202****", sub: SimulatedPerson.catalog[0].subject)
        #expect(call.audit?.polls == 3)
        #expect(call.transcript.agiStatus == "SUCCESS")
        // GET DATA asks for one digit more than a personnummer so the caller's # ends input.
        #expect(call.commands.contains("GET DATA ciba/enter-id-number 5000 13"))
        #expect(call.commands.contains("SET MUSIC ON default"))
        #expect(call.commands.contains("SET MUSIC OFF"))
        #expect(call.commands.contains { $0.hasPrefix("STREAM FILE ciba/open-app") })
        #expect(call.commands.contains { $0.hasPrefix("STREAM FILE ciba/verified") })
        // Never two commands in flight: every command got its answer before the next one.
        #expect(call.transcript.lines.filter { $0.direction == .fromServer }.count == call.commands.count)
        // Swedish request: binding message and phoneAuth with the caller as initiator.
        let authorize = try #require(harness.authorizeRequests.first)
        #expect(authorize.callInitiator == "user")
        #expect(authorize.hadBindingMessage)
        #expect(authorize.maskedHint == "19680202****")
    }

    @Test func verifiedNorwegianBankIDWithWordPairAndStarRepeat() async throws {
        var persons = SimulatedPerson.catalog
        if let index = persons.firstIndex(where: { $0.number == SimulatedPerson.norwegianDemoNumber }) {
            persons[index].outcome = .approve(afterPolls: 6)   // a longer wait leaves room for `*`
        }
        let harness = try await FlowHarness(simulator: FlowHarness.fastSimulator(persons: persons))
        defer { Task { await harness.shutdown() } }
        // Call time at 0.2 scale: number typed at 3 s; speaking the word pair and open-app
        // end about 20 s into the call, then music and polling (6 polls, 1 s real each: ~55 s of call time).
        // `*` 200 ms (call time) into the first WAIT FOR DIGIT of the wait: tied to that command,
        // since a DTMF while no command runs is lost (as in Asterisk).
        let call = try await harness.call(profile: "no-bankid", digits: "27034698436#",
                                          keypresses: [FakeKeypress(at: .milliseconds(200), digits: "*", afterCommand: "WAIT FOR DIGIT")],
                                          language: "nb")
        let words = try #require(call.variables["CIBA_BINDING_MESSAGE"])
        #expect(words.split(separator: " ").count == 2)
        expectVariables(call, [
            "CIBA_STATUS": "VERIFIED", "CIBA_ERROR": "", "CIBA_BINDING_MESSAGE": words,
            "CIBA_SUB": SimulatedPerson(number: SimulatedPerson.norwegianDemoNumber, givenName: "", familyName: "", birthdate: "",
                                        country: "", outcome: .expire).subject,
            "CIBA_NAME": "Mikkel CriiptoTest", "CIBA_GIVEN_NAME": "Mikkel", "CIBA_FAMILY_NAME": "CriiptoTest",
            "CIBA_BIRTHDATE": "1946-03-27", "CIBA_COUNTRY": "NO", "CIBA_IDENTITY_SCHEME": "nobankid-oidc",
        ])
        expectAudit(call, status: "VERIFIED", error: "", numberMasked: "270346*****", profile: "no-bankid",
                    sub: call.variables["CIBA_SUB"] ?? "")
        // The binding message variable is set before the words are spoken.
        let setIndex = try #require(call.commands.firstIndex { $0.hasPrefix("SET VARIABLE CIBA_BINDING_MESSAGE") })
        let spokenIndex = try #require(call.commands.firstIndex { $0.hasPrefix("STREAM FILE ciba/word-pair-is") })
        #expect(setIndex < spokenIndex)
        // Spoken again after `*`, and music on hold restarted after every repeat.
        let spoken = call.commands.filter { $0.hasPrefix("STREAM FILE ciba/word-pair-is") }.count
        #expect(spoken >= 2)
        #expect(call.commands.filter { $0 == "SET MUSIC ON default" }.count == spoken)
        let firstWord = String(words.split(separator: " ")[0])
        #expect(call.commands.filter { $0.hasPrefix("SAY ALPHA \(firstWord)") }.count == spoken)
        // Each repeat follows a WAIT FOR DIGIT and is followed by SET MUSIC ON before the next wait.
        for (index, command) in call.commands.enumerated() where command.hasPrefix("STREAM FILE ciba/word-pair-is") && index > spokenIndex {
            #expect(call.commands[index - 1].hasPrefix("WAIT FOR DIGIT"))
        }
        // Norwegian: no binding_message sent, no phoneAuth.
        let authorize = try #require(harness.authorizeRequests.first)
        #expect(!authorize.hadBindingMessage)
        #expect(authorize.callInitiator == nil)
        #expect(call.commands.contains("GET DATA ciba/enter-id-number 5000 12"))
    }

    @Test func deniedByTheUser() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(digits: "199001019810#")
        expectVariables(call, emptyIdentity(status: "DENIED", error: "access_denied"))
        expectAudit(call, status: "DENIED", error: "access_denied", numberMasked: "19900101****")
        #expect(call.commands.contains { $0.hasPrefix("STREAM FILE ciba/denied") })
        #expect(call.commands.contains("SET MUSIC OFF"))
    }

    @Test func expiredBeforeTheUserAnswered() async throws {
        let harness = try await FlowHarness(simulator: FlowHarness.fastSimulator(expiresIn: 3))
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(digits: "199002029826#")
        if call.variables["CIBA_STATUS"] != "EXPIRED" {
            print(harness.logs.lines.joined(separator: "\n"))
            print(harness.provider.requests.map(\.description).joined(separator: "\n"))
        }
        expectVariables(call, emptyIdentity(status: "EXPIRED", error: "expired_token"))
        expectAudit(call, status: "EXPIRED", error: "expired_token", numberMasked: "19900202****")
        #expect(call.commands.contains { $0.hasPrefix("STREAM FILE ciba/expired") })
    }

    @Test func invalidAfterMaxAttempts() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        // Three wrong numbers (bad check digit, bad date, too short), each ended with #.
        // Each number is typed 1 s into its own GET DATA (prompt 2 s + timeout 5 s).
        let call = try await harness.call(digits: "196802020576#", keypresses: [
            FakeKeypress(at: .seconds(1), digits: "196813020575#", gap: .milliseconds(100), afterCommand: "GET DATA", afterOccurrence: 2),
            FakeKeypress(at: .seconds(1), digits: "12345#", gap: .milliseconds(100), afterCommand: "GET DATA", afterOccurrence: 3),
        ], timeScale: 0.25)
        expectVariables(call, emptyIdentity(status: "INVALID", error: "invalid_number"))
        expectAudit(call, status: "INVALID", error: "invalid_number", numberMasked: "")
        #expect(call.commands.filter { $0.hasPrefix("GET DATA ciba/enter-id-number") }.count == 3)
        #expect(call.commands.filter { $0.hasPrefix("STREAM FILE ciba/invalid-id-number") }.count == 2)
        #expect(call.commands.contains { $0.hasPrefix("STREAM FILE ciba/too-many-attempts") })
        #expect(harness.authorizeRequests.isEmpty)
    }

    @Test func noInput() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(digits: nil)
        expectVariables(call, emptyIdentity(status: "INVALID", error: "no_input"))
        expectAudit(call, status: "INVALID", error: "no_input", numberMasked: "")
        #expect(call.commands.filter { $0.hasPrefix("GET DATA ciba/enter-id-number") }.count == 3)
        #expect(call.commands.contains { $0.hasPrefix("STREAM FILE ciba/no-input") })
        #expect(harness.provider.requests.isEmpty)
    }

    @Test func hangupWhilePollingStopsPolling() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        // Erik never answers; the caller hangs up 25 s into the call (5 s real), while waiting.
        let call = try await harness.call(digits: "199002029826#", hangupAt: .seconds(25))
        let pollsAtEnd = harness.tokenRequests.count
        #expect(pollsAtEnd >= 1)
        expectVariables(call, emptyIdentity(status: "HANGUP", error: "caller_hangup"))
        expectAudit(call, status: "HANGUP", error: "caller_hangup", numberMasked: "19900202****")
        #expect(call.transcript.agiStatus == "HANGUP")
        #expect(!call.commands.contains { $0.hasPrefix("STREAM FILE ciba/") && $0.contains("failed") })
        // No poll after the hang-up: wait more than two intervals and count again.
        try await Task.sleep(for: .milliseconds(2500))
        #expect(harness.tokenRequests.count == pollsAtEnd)
        #expect(call.audit?.polls == pollsAtEnd)
        // The engine ran the cancel to its end: the record says why, and no poller is left.
        let record = await harness.service.verificationStore.record(txn: call.audit?.txn ?? "")
        #expect(record?.status == .cancelled)
        #expect(record?.error == "caller_hangup")
        #expect(await harness.service.engine.activeCount == 0)
    }

    @Test func rateLimitedWithoutContactingTheProvider() async throws {
        let harness = try await FlowHarness(rateLimits: RateLimitSettings(perCallerPer10Min: 5, perNumberPer10Min: 1))
        defer { Task { await harness.shutdown() } }
        let first = try await harness.call(digits: "199010109909#")
        #expect(first.variables["CIBA_STATUS"] == "VERIFIED")
        let requestsBefore = harness.provider.requests.count
        let second = try await harness.call(digits: "199010109909#")
        expectVariables(second, emptyIdentity(status: "RATE_LIMITED", error: "rate_limited"))
        expectAudit(second, status: "RATE_LIMITED", error: "rate_limited", numberMasked: "19901010****")
        #expect(harness.provider.requests.count == requestsBefore)
        #expect(second.commands.contains { $0.hasPrefix("STREAM FILE ciba/rate-limited") })
    }

    @Test func identityMismatch() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(digits: "199005059853#")
        expectVariables(call, emptyIdentity(status: "ERROR", error: "identity_mismatch"))
        expectAudit(call, status: "ERROR", error: "identity_mismatch", numberMasked: "19900505****")
        #expect(call.commands.contains { $0.hasPrefix("STREAM FILE ciba/failed") })
    }

    @Test func invalidTokenSignature() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(digits: "199006069869#")
        expectVariables(call, emptyIdentity(status: "ERROR", error: "token_invalid"))
        expectAudit(call, status: "ERROR", error: "token_invalid", numberMasked: "19900606****")
    }

    @Test func providerError() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(digits: "199008089881#")
        expectVariables(call, emptyIdentity(status: "ERROR", error: "provider_error"))
        expectAudit(call, status: "ERROR", error: "provider_error", numberMasked: "19900808****")
    }

    @Test func providerUnreachable() async throws {
        let harness = try await FlowHarness(stopProviderFirst: true)
        let call = try await harness.call(digits: "196802020575#")
        expectVariables(call, emptyIdentity(status: "ERROR", error: "provider_unreachable"))
        expectAudit(call, status: "ERROR", error: "provider_unreachable", numberMasked: "19680202****")
        #expect(call.commands.contains { $0.hasPrefix("STREAM FILE ciba/failed") })
    }

    @Test func unknownUser() async throws {
        let harness = try await FlowHarness()
        defer { Task { await harness.shutdown() } }
        let call = try await harness.call(digits: "199004049848#")
        expectVariables(call, emptyIdentity(status: "ERROR", error: "unknown_user"))
        expectAudit(call, status: "ERROR", error: "unknown_user", numberMasked: "19900404****")
    }
}
