import CIBA
import CIBASimulator
import Foundation
import JOSE
import Testing

/// Every scripted outcome, end to end over HTTP with the libcurl transport.
@Suite struct TokenOutcomeTests {
    @Test func ternePaulsenApprovesAfterTwoPendingPollsAndTheTokenVerifies() async throws {
        try await withSimulator { sim in
            let id = try await sim.start(SimulatedPerson.demoNumber)
            let first = try await sim.poll(id)
            #expect(first.status == 400)
            #expect(first.error == "authorization_pending")
            #expect(first.errorDescription == "awaiting first user interaction")
            let second = try await sim.poll(id)
            #expect(second.errorDescription == "awaiting user request acknowledgement")
            let third = try await sim.poll(id)
            #expect(third.status == 200)
            let json = try #require(third.json)
            #expect(json["token_type"]?.stringValue == "Bearer")
            #expect(json["expires_in"]?.intValue == 120)
            #expect(json["access_token"]?.stringValue?.isEmpty == false)
            let idToken = try #require(json["id_token"]?.stringValue)

            let jws = try CompactJWS.parse(idToken)
            #expect(jws.header.algorithm == "RS256")
            #expect(jws.header.keyID == sim.provider.currentKeyID)
            let claims = try await sim.verifiedClaims(idToken)
            let now = sim.clock.now.timeIntervalSince1970.rounded(.down)
            #expect(claims["iss"]?.stringValue == sim.issuer.absoluteString)
            #expect(claims["aud"]?.stringValue == SimulatorHarness.clientID)
            #expect(claims["identityscheme"]?.stringValue == "sebankid")
            #expect(claims["authenticationtype"]?.stringValue == "urn:grn:authn:se:bankid")
            #expect(claims["authenticationmethod"]?.stringValue == "urn:oasis:names:tc:SAML:2.0:ac:classes:SoftwarePKI")
            #expect(claims["authenticationinstant"]?.stringValue?.hasSuffix("Z") == true)
            #expect(claims["ssn"]?.stringValue == "196802020575")
            #expect(claims["name"]?.stringValue == "Terne Paulsen")
            #expect(claims["given_name"]?.stringValue == "Terne")
            #expect(claims["givenname"]?.stringValue == "Terne")
            #expect(claims["family_name"]?.stringValue == "Paulsen")
            #expect(claims["surname"]?.stringValue == "Paulsen")
            #expect(claims["country"]?.stringValue == "SE")
            let sub = try #require(claims["sub"]?.stringValue)
            #expect(sub == SimulatedPerson.catalog[0].subject)
            #expect(claims["nameidentifier"]?.stringValue == sub.dropFirst().dropLast().replacingOccurrences(of: "-", with: ""))
            #expect(claims["iat"]?.doubleValue == now)
            #expect(claims["nbf"]?.doubleValue == now)
            #expect(claims["exp"]?.doubleValue == now + 1200)

            // Single use.
            let again = try await sim.poll(id)
            #expect(again.status == 400)
            #expect(again.error == "invalid_grant")
            #expect(sim.provider.requests.filter { $0.endpoint == .token }.map(\.poll) == [1, 2, 3, 4])
        }
    }

    @Test func mikkelNorwegianApprovalCarriesNorwegianClaims() async throws {
        try await withSimulator { sim in
            let id = try await sim.start(SimulatedPerson.norwegianDemoNumber, acr: "urn:grn:authn:no:bankid")
            for _ in 0..<2 {
                let pending = try await sim.poll(id)
                #expect(pending.error == "authorization_pending")
                #expect(pending.errorDescription == "User has not yet granted authorization")
            }
            let token = try await sim.poll(id)
            let claims = try await sim.verifiedClaims(try #require(token.json?["id_token"]?.stringValue))
            #expect(claims["identityscheme"]?.stringValue == "nobankid-oidc")
            #expect(claims["socialno"]?.stringValue == "27034698436")
            #expect(claims["ssn"] == nil)
            #expect(claims["birthdate"]?.stringValue == "1946-03-27")
            #expect(claims["uniqueuserid"]?.stringValue?.isEmpty == false)
            #expect(claims["name"]?.stringValue == "Mikkel CriiptoTest")
            #expect(claims["given_name"]?.stringValue == "Mikkel")
            #expect(claims["family_name"]?.stringValue == "CriiptoTest")
            #expect(claims["country"]?.stringValue == "NO")
        }
    }

    @Test(arguments: [("199001019810", "urn:grn:authn:se:bankid"), ("15868540033", "urn:grn:authn:no:bankid")])
    func denyAfterOnePendingPollAndStaysDenied(number: String, acr: String) async throws {
        try await withSimulator { sim in
            let id = try await sim.start(number, acr: acr)
            #expect(try await sim.poll(id).error == "authorization_pending")
            let denied = try await sim.poll(id)
            #expect(denied.status == 400)
            #expect(denied.error == "access_denied")
            #expect(denied.errorDescription == "user declined")
            #expect(try await sim.poll(id).error == "access_denied")
        }
    }

    @Test func expireStaysPendingUntilTheSimulatorClockPassesExpiry() async throws {
        try await withSimulator(configure: { $0.expiresIn = 5 }) { sim in
            let id = try await sim.start("199002029826")
            let descriptions = [
                try await sim.poll(id, advance: 1.5).errorDescription,
                try await sim.poll(id, advance: 1.5).errorDescription,
                try await sim.poll(id, advance: 1.5).errorDescription,
            ]
            #expect(descriptions == ["awaiting first user interaction", "awaiting user request acknowledgement", "awaiting user identification"])
            let expired = try await sim.poll(id, advance: 1)
            #expect(expired.status == 400)
            #expect(expired.error == "expired_token")
        }
    }

    @Test func anyPersonExpiresWhenNobodyAnswersInTime() async throws {
        try await withSimulator { sim in
            let id = try await sim.start(SimulatedPerson.demoNumber)
            #expect(try await sim.poll(id, advance: 121).error == "expired_token")
        }
    }

    @Test func pollingFasterThanTheIntervalGetsSlowDownAndTheIntervalGrows() async throws {
        try await withSimulator(configure: { $0.interval = 2 }) { sim in
            let id = try await sim.start(SimulatedPerson.demoNumber)
            #expect(try await sim.poll(id, advance: 2).error == "authorization_pending")
            #expect(try await sim.poll(id, advance: 0.5).error == "slow_down")
            // Now 2 + 5 = 7 s are required: 3 s is still too fast.
            #expect(try await sim.poll(id, advance: 3).error == "slow_down")
            // After two slow_downs: 12 s.
            #expect(try await sim.poll(id, advance: 12).error == "authorization_pending")
            #expect(try await sim.poll(id, advance: 12).status == 200)
            #expect(sim.provider.requests.compactMap(\.error) == ["authorization_pending", "slow_down", "slow_down", "authorization_pending"])
        }
    }

    @Test func scriptedSlowDownThenApprove() async throws {
        try await withSimulator { sim in
            let id = try await sim.start("199003039832")
            #expect(try await sim.poll(id).error == "slow_down")
            #expect(try await sim.poll(id, advance: 1).error == "slow_down")  // did not add 5 s
            #expect(try await sim.poll(id, advance: 11).error == "authorization_pending")
            #expect(try await sim.poll(id, advance: 11).status == 200)
        }
    }

    @Test func identityMismatchTokenNamesAnotherNumber() async throws {
        try await withSimulator { sim in
            let id = try await sim.start("199005059853")
            #expect(try await sim.poll(id).error == "authorization_pending")
            let token = try await sim.poll(id)
            let claims = try await sim.verifiedClaims(try #require(token.json?["id_token"]?.stringValue))
            #expect(claims["ssn"]?.stringValue == SimulatedPerson.mismatchNumber)
        }
    }

    @Test func invalidSignatureTokenHasAKnownKidButDoesNotVerify() async throws {
        try await withSimulator { sim in
            let id = try await sim.start("199006069869")
            _ = try await sim.poll(id)
            let token = try await sim.poll(id)
            #expect(token.status == 200)
            let jws = try CompactJWS.parse(try #require(token.json?["id_token"]?.stringValue))
            let jwks = try await sim.fetchJWKS()
            #expect(jwks.keys(withID: jws.header.keyID).count == 1)
            #expect {
                try JWSVerifier(allowedAlgorithms: [.rs256]).verify(jws, keySet: jwks)
            } throws: { ($0 as? JOSEError)?.kind == .badSignature }
        }
    }

    @Test func providerErrorIsA500WithHTML() async throws {
        try await withSimulator { sim in
            let id = try await sim.start("199007079875")
            for _ in 0..<2 {
                let response = try await sim.poll(id)
                #expect(response.status == 500)
                #expect(response.headers["content-type"]?.hasPrefix("text/html") == true)
                #expect(response.text.contains("<html>"))
                #expect(response.json == nil)
            }
        }
    }

    @Test func garbageIsA200ThatIsNotJSON() async throws {
        try await withSimulator { sim in
            let id = try await sim.start("199008089881")
            let response = try await sim.poll(id)
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "application/json")
            #expect(throws: (any Error).self) { try JSONValue.parse([UInt8](response.body)) }
            #expect((try? JSONSerialization.jsonObject(with: response.body)) == nil)
        }
    }

    @Test func noAnswerHangsUntilTheClientGivesUpAndShutdownEndsIt() async throws {
        let sim = try SimulatorHarness()
        let id = try await sim.start("199009099897")
        do {
            _ = try await sim.poll(id, timeout: .seconds(1))
            Issue.record("a no_answer poll got an answer")
        } catch let error as HTTPTransportError {
            #expect(error.kind == .timedOut)
        }
        #expect(sim.provider.requests.last?.error == "no_answer")
        // A second hanging request (bounded only by the long harness timeout) is in flight when
        // the provider stops: the shutdown must end it, not its timeout.
        let before = sim.provider.requests.count
        let hanging = Task { () -> HTTPTransportError? in
            do { _ = try await sim.poll(id); return nil } catch { return error as? HTTPTransportError }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while sim.provider.requests.count == before, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(sim.provider.requests.count == before + 1)
        await sim.stop()
        let ended = await hanging.value
        #expect(ended != nil && ended?.kind != .timedOut)
    }

    @Test func tokenEndpointRejectsUnknownIdsAndOtherGrants() async throws {
        try await withSimulator { sim in
            let unknown = try await sim.poll("not-an-issued-id")
            #expect(unknown.status == 400)
            #expect(unknown.error == "invalid_grant")
            let grant = try await sim.post("/oauth2/token", [("grant_type", "authorization_code"), ("code", "x")], auth: sim.basic)
            #expect(grant.error == "unsupported_grant_type")
            let missing = try await sim.post("/oauth2/token", [("grant_type", "urn:openid:params:grant-type:ciba")], auth: sim.basic)
            #expect(missing.error == "invalid_request")
        }
    }

    @Test func concurrentPollsNeverBothGetTheTokens() async throws {
        try await withSimulator(configure: { $0.enforcesPollingInterval = false }) { sim in
            let id = try await sim.start("199010109909")  // approves at the first poll
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<6 { group.addTask { try await sim.poll(id, advance: 0).status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1)
            #expect(statuses.filter { $0 == 400 }.count == 5)
        }
    }

    @Test func rotatedKeySignsNewTokensWithANewKid() async throws {
        try await withSimulator { sim in
            let before = try await sim.fetchJWKS()
            try sim.provider.rotateSigningKey()
            let id = try await sim.start("199010109909")
            let idToken = try #require(try await sim.poll(id).json?["id_token"]?.stringValue)
            let jws = try CompactJWS.parse(idToken)
            #expect(before.keys(withID: jws.header.keyID).isEmpty)  // a cached JWKS does not know it
            _ = try await sim.verifiedClaims(idToken)  // the fresh one does
        }
    }
}
