import CIBASimulator
import Foundation
import JOSE
import Testing

/// Nothing the simulator records or logs may hold a full number, an auth_req_id, a token,
/// a secret or an assertion.
@Suite struct PrivacyTests {
    @Test func requestLogAndLogLinesHoldOnlyMaskedNumbers() async throws {
        try await withSimulator { sim in
            var secrets: [String] = [SimulatorHarness.clientSecret, "196802020575", "27034698436", "199004049848", "196802020576"]

            let swedish = try await sim.authorize(SimulatedPerson.demoNumber)
            let swedishID = try #require(swedish.json?["auth_req_id"]?.stringValue)
            secrets.append(swedishID)
            for _ in 0..<3 {
                let answer = try await sim.poll(swedishID, auth: .jwt(key: sim.clientKeyEC, keyID: "client-ec", audience: nil, claims: nil))
                if let token = answer.json?["id_token"]?.stringValue { secrets.append(token) }
                if let token = answer.json?["access_token"]?.stringValue { secrets.append(token) }
            }
            let norwegian = try await sim.start(SimulatedPerson.norwegianDemoNumber, acr: "urn:grn:authn:no:bankid")
            secrets.append(norwegian)
            _ = try await sim.poll(norwegian, auth: .post(id: SimulatorHarness.clientID, secret: SimulatorHarness.clientSecret))
            _ = try await sim.authorize("199004049848")  // unknown user
            _ = try await sim.authorize("196802020576")  // bad checksum
            _ = try await sim.authorize(SimulatedPerson.demoNumber, auth: .basic(id: SimulatorHarness.clientID, secret: "wrong-secret-value"))
            secrets.append("wrong-secret-value")
            #expect(secrets.count >= 10)

            let records = sim.provider.requests
            #expect(records.contains { $0.maskedHint == "19680202****" })
            #expect(records.contains { $0.maskedHint == "270346*****" })
            #expect(records.contains { $0.maskedHint == "19680202****" && $0.error == "invalid_request" })  // the bad checksum
            let recorded = records.map { "\($0) \(String(describing: $0))" }.joined(separator: "\n")
            let logged = sim.logs.lines.joined(separator: "\n")
            #expect(!logged.isEmpty)
            for secret in secrets {
                #expect(!recorded.contains(secret))
                #expect(!logged.contains(secret))
            }
        }
    }
}
