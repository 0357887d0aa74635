@testable import CIBASimulator
import Foundation
import JOSE
import Testing

/// What `mock-provider --approve-after-polls` / `--client-public-key` change, and the
/// once-a-second pruning of used assertion ids that keeps 5,000 polls/s affordable.
@Suite struct BenchmarkAdjustmentTests {
    let terne = SimulatedPerson.demoNumber

    @Test func demoPersonApprovesAfterTheConfiguredPolls() async throws {
        try await withSimulator(configure: { $0.setDemoPersonApproval(afterPolls: 4) }) { sim in
            let id = try await sim.start(terne)
            for _ in 0..<4 {
                #expect(try await sim.poll(id).error == "authorization_pending")
            }
            #expect(try await sim.poll(id).status == 200)
        }
    }

    @Test func otherPersonsKeepTheirOutcomes() {
        var configuration = SimulatorConfiguration.demo
        configuration.setDemoPersonApproval(afterPolls: 40)
        for (changed, original) in zip(configuration.persons, SimulatedPerson.catalog) where original.number != terne {
            #expect(changed == original)
        }
        #expect(configuration.persons.first { $0.number == terne }?.outcome == .approve(afterPolls: 40))
    }

    @Test func registeredPublicKeyFileIsAcceptedForPrivateKeyJWT() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sim-client-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try SharedKeys.require(SharedKeys.clientEC)
        let file = directory.appendingPathComponent("bench-es256.pem").path
        try key.publicKey().pem().write(toFile: file, atomically: true, encoding: .utf8)

        try await withSimulator(configure: { configuration in
            configuration.clientJWKs = []
            #expect(throws: Never.self) { try configuration.registerClientPublicKey(file: file) }
        }) { sim in
            #expect(sim.provider.configuration.clientJWKs.map(\.kid) == ["bench-es256"])
            let accepted = try await sim.authorize(terne, auth: .jwt(key: key, keyID: "bench-es256", audience: nil, claims: nil))
            #expect(accepted.status == 200)
            let other = try await sim.authorize(terne, auth: .jwt(key: sim.clientKeyRSA, keyID: nil, audience: nil, claims: nil))
            #expect(other.status == 401)
        }
    }

    @Test func unreadableOrNonKeyFileIsRefused() throws {
        var configuration = SimulatorConfiguration.demo
        #expect(throws: (any Error).self) { try configuration.registerClientPublicKey(file: "/nonexistent/bench.pem") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-key-\(UUID().uuidString).pem").path
        try "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(throws: (any Error).self) { try configuration.registerClientPublicKey(file: file) }
        #expect(configuration.clientJWKs.isEmpty)
    }

    @Test func usedAssertionIDsArePrunedAtMostOnceASecondAndOnlyWhenExpired() {
        var state = SimulatedProvider.ProviderState()
        let now: TimeInterval = 1_000_000
        let skew = SimulatedProvider.assertionSkew
        state.usedAssertionIDs = ["live": Date(timeIntervalSince1970: now + 60), "expired": Date(timeIntervalSince1970: now - skew - 1)]
        state.pruneUsedAssertionIDs(now: now)
        #expect(Set(state.usedAssertionIDs.keys) == ["live"])

        state.usedAssertionIDs["expired-later"] = Date(timeIntervalSince1970: now - skew - 1)
        state.pruneUsedAssertionIDs(now: now + 0.5)   // within the second: no scan
        #expect(state.usedAssertionIDs["expired-later"] != nil)
        state.pruneUsedAssertionIDs(now: now + 1)
        #expect(Set(state.usedAssertionIDs.keys) == ["live"])

        state.usedAssertionIDs["expired-again"] = Date(timeIntervalSince1970: now - skew - 1)
        state.pruneUsedAssertionIDs(now: now - 100)   // the clock went back: prune (nothing expired then)
        state.pruneUsedAssertionIDs(now: now + 0.2)   // a second after the last prune is measured from there
        #expect(state.usedAssertionIDs["expired-again"] == nil)
    }

    @Test func replayIsStillRefusedAfterAPrune() async throws {
        try await withSimulator { sim in
            let assertion = try JWTSigner(key: sim.clientKeyRSA, keyID: "client-rsa")
                .signClientAssertion(clientID: SimulatorHarness.clientID, audience: sim.issuer.absoluteString, now: sim.clock.now)
            let form: [(String, String)] = [
                ("scope", "openid"), ("login_hint", "sub:ssn:\(terne)"), ("acr_values", "urn:grn:authn:se:bankid"),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", assertion),
            ]
            #expect(try await sim.post("/ciba/bc-authorize", form, auth: TestAuth.none).status == 200)
            sim.clock.advance(by: 5)   // past the prune interval, before the assertion's exp
            let replay = try await sim.post("/ciba/bc-authorize", form, auth: TestAuth.none)
            #expect(replay.status == 401)
            #expect(replay.errorDescription?.contains("jti") == true)
        }
    }
}
