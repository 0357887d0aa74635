import CIBASimulator
import Foundation
import JOSE
import Testing

@Suite struct BackchannelTests {
    let terne = SimulatedPerson.demoNumber
    let mikkel = SimulatedPerson.norwegianDemoNumber
    static let norwegianAcr = "urn:grn:authn:no:bankid"

    @Test func swedishAnswerHasIdExpiryAndInterval() async throws {
        try await withSimulator { sim in
            let response = try await sim.authorize(terne)
            #expect(response.status == 200)
            let json = try #require(response.json)
            #expect((json["auth_req_id"]?.stringValue?.count ?? 0) >= 32)
            #expect(json["expires_in"]?.intValue == 120)
            #expect(json["interval"]?.intValue == 1)
            #expect(json["bindingMessage"] == nil)
            #expect(response.headers["cache-control"] == "no-store")
        }
    }

    @Test func bareNumberHintAuthwayStyleIsAccepted() async throws {
        try await withSimulator { sim in
            let response = try await sim.post(
                "/ciba/bc-authorize", [("scope", "openid"), ("login_hint", terne), ("binding_message", "Hej")], auth: sim.basic)
            #expect(response.status == 200)
            #expect(sim.provider.requests.last?.scheme == .swedishBankID)
            #expect(sim.provider.requests.last?.hadBindingMessage == true)
        }
    }

    @Test func norwegianAnswerCarriesAWordPairAndLongExpiry() async throws {
        try await withSimulator { sim in
            let response = try await sim.authorize(mikkel, acr: Self.norwegianAcr)
            #expect(response.status == 200)
            let json = try #require(response.json)
            #expect(json["expires_in"]?.intValue == 900)
            let words = try #require(json["bindingMessage"]?.stringValue).split(separator: " ")
            #expect(words.count == 2)
            #expect(words.first?.first?.isUppercase == true)
        }
    }

    @Test func norwegianBindingMessageIsRefused() async throws {
        try await withSimulator { sim in
            let response = try await sim.authorize(mikkel, acr: Self.norwegianAcr, extra: [("binding_message", "Hello from the bank")])
            #expect(response.status == 400)
            #expect(response.error == "invalid_binding_message")
        }
    }

    @Test func authorizationDetailsAreParsedAndValidated() async throws {
        try await withSimulator { sim in
            let good = try await sim.authorize(terne, extra: [("authorization_details", #"[{"type":"phoneAuth","callInitiator":"RP"}]"#)])
            #expect(good.status == 200)
            #expect(sim.provider.requests.last?.callInitiator == "RP")
            for bad in [#"[{"type":"phoneAuth","callInitiator":"#, #"{"type":"phoneAuth"}"#, #"[{"type":"phoneAuth","callInitiator":"someone"}]"#, #"[42]"#] {
                let response = try await sim.authorize(terne, extra: [("authorization_details", bad)])
                #expect(response.status == 400, "\(bad)")
                #expect(response.error == "invalid_request", "\(bad)")
            }
        }
    }

    @Test func scopeAndHintRulesFollowCIBA() async throws {
        try await withSimulator { sim in
            let noOpenID = try await sim.post("/ciba/bc-authorize", [("scope", "profile"), ("login_hint", terne)], auth: sim.basic)
            #expect(noOpenID.error == "invalid_scope")
            let noHint = try await sim.post("/ciba/bc-authorize", [("scope", "openid")], auth: sim.basic)
            #expect(noHint.error == "invalid_request")
            let twoHints = try await sim.post(
                "/ciba/bc-authorize", [("scope", "openid"), ("login_hint", terne), ("login_hint_token", "x")], auth: sim.basic)
            #expect(twoHints.error == "invalid_request")
            let repeated = try await sim.post(
                "/ciba/bc-authorize", [("scope", "openid"), ("login_hint", terne), ("login_hint", terne)], auth: sim.basic)
            #expect(repeated.error == "invalid_request")
            let badAcr = try await sim.authorize(terne, acr: "urn:grn:authn:dk:mitid")
            #expect(badAcr.error == "invalid_request")
        }
    }

    @Test func unknownAndInvalidNumbers() async throws {
        try await withSimulator { sim in
            let unknown = try await sim.authorize("199004049848")  // the documented unknown person
            #expect(unknown.status == 400)
            #expect(unknown.error == "unknown_user_id")
            let notInCatalog = try await sim.authorize(SimulatedPerson.mismatchNumber)
            #expect(notInCatalog.error == "unknown_user_id")
            let badChecksum = try await sim.authorize("196802020576")
            #expect(badChecksum.error == "invalid_request")
            let norwegianAsSwedish = try await sim.authorize(mikkel)
            #expect(norwegianAsSwedish.status == 400)
            #expect(sim.provider.requests.allSatisfy { $0.maskedHint.map { !$0.contains("0575") && !$0.contains("98436") } ?? true })
        }
    }

    @Test func frejaIDServesSwedishPersons() async throws {
        try await withSimulator { sim in
            let response = try await sim.authorize("199010109909", acr: "urn:grn:authn:se:frejaid")
            #expect(response.status == 200)
            let id = try #require(response.json?["auth_req_id"]?.stringValue)
            let token = try await sim.poll(id)
            let claims = try await sim.verifiedClaims(try #require(token.json?["id_token"]?.stringValue))
            #expect(claims["identityscheme"]?.stringValue == "sefrejaid")
            #expect(claims["authenticationtype"]?.stringValue == "urn:grn:authn:se:frejaid")
            #expect(claims["ssn"]?.stringValue == "199010109909")
        }
    }

    @Test func requestedExpiryShortensTheRequest() async throws {
        try await withSimulator { sim in
            let response = try await sim.authorize(terne, extra: [("requested_expiry", "30")])
            #expect(response.json?["expires_in"]?.intValue == 30)
            #expect(try await sim.authorize(terne, extra: [("requested_expiry", "soon")]).error == "invalid_request")
        }
    }

    @Test func configuredExpiryAndMissingInterval() async throws {
        try await withSimulator(configure: {
            $0.expiresIn = 5
            $0.announcesInterval = false
        }) { sim in
            let json = try #require(try await sim.authorize(terne).json)
            #expect(json["expires_in"]?.intValue == 5)
            #expect(json["interval"] == nil)
        }
    }

    @Test func idTokenHintFromAnEarlierLoginIdentifiesThePerson() async throws {
        try await withSimulator { sim in
            let first = try await sim.start("199010109909")
            let idToken = try #require(try await sim.poll(first).json?["id_token"]?.stringValue)
            let again = try await sim.post(
                "/ciba/bc-authorize", [("scope", "openid"), ("id_token_hint", idToken), ("acr_values", "urn:grn:authn:se:bankid")], auth: sim.basic)
            #expect(again.status == 200)
            let forged = try await sim.post("/ciba/bc-authorize", [("scope", "openid"), ("id_token_hint", "a.b.c")], auth: sim.basic)
            #expect(forged.error == "invalid_request")
        }
    }
}
