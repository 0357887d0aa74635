import URLEncoding
import CIBASimulator
import Foundation
import HTTPServer
import Sockets
import JOSE
import Testing

@Suite struct ClientAuthenticationTests {
    let terne = SimulatedPerson.demoNumber

    @Test func clientSecretBasicWithFormEncodedCredentials() async throws {
        // The demo client id contains ':' which must be form-encoded before Basic (RFC 6749 §2.3.1).
        try await withSimulator { sim in
            let response = try await sim.authorize(terne, auth: sim.basic)
            #expect(response.status == 200)
            #expect(sim.provider.requests.last?.clientAuth == .clientSecretBasic)
        }
    }

    @Test func secretsWithSpacesAndSymbolsSurviveBasicEncoding() async throws {
        let secret = "a b+c:d%e/å"
        try await withSimulator(configure: { $0.clientSecret = secret }) { sim in
            let response = try await sim.authorize(terne, auth: .basic(id: SimulatorHarness.clientID, secret: secret))
            #expect(response.status == 200)
        }
    }

    @Test func unencodedBasicIdWithColonIsRefused() async throws {
        try await withSimulator { sim in
            let raw = "\(SimulatorHarness.clientID):\(SimulatorHarness.clientSecret)"  // ':' inside the id, not encoded
            let response = try await sim.send(
                "POST", to: sim.provider.backchannelEndpoint,
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", "Basic \(Data(raw.utf8).base64EncodedString())")],
                body: "scope=openid&login_hint=\(terne)")
            #expect(response.status == 401)
        }
    }

    @Test func clientSecretPost() async throws {
        try await withSimulator { sim in
            let response = try await sim.authorize(terne, auth: .post(id: SimulatorHarness.clientID, secret: SimulatorHarness.clientSecret))
            #expect(response.status == 200)
            #expect(sim.provider.requests.last?.clientAuth == .clientSecretPost)
        }
    }

    @Test(arguments: ["basic", "post"])
    func wrongSecretIsInvalidClient(method: String) async throws {
        try await withSimulator { sim in
            let auth: TestAuth = method == "basic"
                ? .basic(id: SimulatorHarness.clientID, secret: "wrong")
                : .post(id: SimulatorHarness.clientID, secret: "wrong")
            let response = try await sim.authorize(terne, auth: auth)
            #expect(response.status == 401)
            #expect(response.error == "invalid_client")
            #expect(response.headers["www-authenticate"] == nil)  // off by default, see SimulatorConfiguration
            // Token endpoint too.
            let token = try await sim.poll("whatever", auth: auth)
            #expect(token.status == 401)
            #expect(token.error == "invalid_client")
        }
    }

    /// With `sendsWWWAuthenticate` the 401 carries the Basic challenge (RFC 6749 §5.2).
    /// Checked over raw TCP, byte for byte.
    @Test func basicChallengeHeaderWhenEnabled() async throws {
        try await withSimulator(configure: { $0.sendsWWWAuthenticate = true }) { sim in
            let port = try #require(sim.issuer.port)
            let connection = try await TCPConnection.connect(to: try SocketAddress.parse("127.0.0.1:\(port)"))
            defer { connection.close() }
            let body = "scope=openid&login_hint=\(terne)"
            let credentials = Data("\(FormURLEncoding.encodeComponent(SimulatorHarness.clientID)):wrong".utf8).base64EncodedString()
            let request = "POST /ciba/bc-authorize HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Basic \(credentials)\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            try await connection.write(Array(request.utf8), timeout: SimulatorHarness.requestTimeout)
            var received: [UInt8] = []
            while true {
                let chunk = try await connection.read(timeout: SimulatorHarness.requestTimeout)
                if chunk.isEmpty { break }
                received += chunk
            }
            let text = String(decoding: received, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 401 "))
            #expect(text.contains("WWW-Authenticate: Basic realm="))
            #expect(text.contains(#""error":"invalid_client""#))
        }
    }

    @Test func missingAndMixedAuthenticationAreRefused() async throws {
        try await withSimulator { sim in
            let none = try await sim.authorize(terne, auth: TestAuth.none)
            #expect(none.status == 401)
            #expect(none.error == "invalid_client")
            let mixed = try await sim.authorize(
                terne, auth: sim.basic, extra: [("client_id", SimulatorHarness.clientID), ("client_secret", SimulatorHarness.clientSecret)])
            #expect(mixed.status == 400)
            #expect(mixed.error == "invalid_request")
        }
    }

    @Test func disabledMethodIsRefused() async throws {
        try await withSimulator(configure: { $0.allowedClientAuthMethods = [.privateKeyJWT] }) { sim in
            #expect(try await sim.authorize(terne, auth: sim.basic).status == 401)
            let discovery = try await sim.get("/.well-known/openid-configuration")
            #expect(discovery.json?["token_endpoint_auth_methods_supported"]?.arrayValue == [.string("private_key_jwt")])
        }
    }

    @Test(arguments: ["RS256", "ES256"])
    func privateKeyJWTWithIssuerOrEndpointAudience(algorithm: String) async throws {
        try await withSimulator { sim in
            let key = algorithm == "RS256" ? sim.clientKeyRSA : sim.clientKeyEC
            let keyID = algorithm == "RS256" ? "client-rsa" : "client-ec"
            let viaIssuer = try await sim.authorize(terne, auth: .jwt(key: key, keyID: keyID, audience: nil, claims: nil))
            #expect(viaIssuer.status == 200, "\(viaIssuer.text)")
            let id = try #require(viaIssuer.json?["auth_req_id"]?.stringValue)
            #expect(sim.provider.requests.last?.clientAuth == .privateKeyJWT)
            // Token endpoint URL as audience, and no kid in the header (all keys are tried).
            let token = try await sim.poll(id, auth: .jwt(key: key, keyID: nil, audience: sim.provider.tokenEndpoint.absoluteString, claims: nil))
            #expect(token.status == 400)
            #expect(token.error == "authorization_pending")
        }
    }

    @Test func replayedAssertionIsRefused() async throws {
        try await withSimulator { sim in
            let assertion = try JWTSigner(key: sim.clientKeyRSA, keyID: "client-rsa")
                .signClientAssertion(clientID: SimulatorHarness.clientID, audience: sim.issuer.absoluteString, now: sim.clock.now)
            let form: [(String, String)] = [
                ("scope", "openid"), ("login_hint", "sub:ssn:\(terne)"), ("acr_values", "urn:grn:authn:se:bankid"),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", assertion),
            ]
            #expect(try await sim.post("/ciba/bc-authorize", form, auth: TestAuth.none).status == 200)
            let replay = try await sim.post("/ciba/bc-authorize", form, auth: TestAuth.none)
            #expect(replay.status == 401)
            #expect(replay.error == "invalid_client")
            #expect(replay.errorDescription?.contains("jti") == true)
        }
    }

    @Test func badAssertionsAreInvalidClient() async throws {
        try await withSimulator { sim in
            let now = sim.clock.now.timeIntervalSince1970.rounded(.down)
            let issuer = sim.issuer.absoluteString
            let id = SimulatorHarness.clientID
            func claims(iss: String = id, sub: String = id, aud: JSONValue? = nil, exp: Double? = nil, jti: String? = UUID().uuidString) -> [String: JSONValue] {
                var claims: [String: JSONValue] = ["iss": .string(iss), "sub": .string(sub), "aud": aud ?? .string(issuer), "iat": .number(now)]
                if let exp { claims["exp"] = .number(exp) }
                if let jti { claims["jti"] = .string(jti) }
                return claims
            }
            let key = sim.clientKeyRSA
            let cases: [(String, [String: JSONValue])] = [
                ("wrong audience", claims(aud: .string("https://elsewhere.example"), exp: now + 60)),
                ("expired", claims(exp: now - 120)),
                ("too long-lived", claims(exp: now + 3600)),
                ("no exp", claims()),
                ("no jti", claims(exp: now + 60, jti: nil)),
                ("other issuer", claims(iss: "urn:someone:else", exp: now + 60)),
                ("sub differs", claims(sub: "urn:someone:else", exp: now + 60)),
            ]
            for (label, body) in cases {
                let response = try await sim.authorize(terne, auth: .jwt(key: key, keyID: "client-rsa", audience: nil, claims: body))
                #expect(response.status == 401, "\(label)")
                #expect(response.error == "invalid_client", "\(label)")
            }
            // Audience as an array containing the issuer is fine.
            let array = claims(aud: .array([.string("x"), .string(issuer)]), exp: now + 60)
            #expect(try await sim.authorize(terne, auth: .jwt(key: key, keyID: "client-rsa", audience: nil, claims: array)).status == 200)
            // A key that is not registered.
            let stranger = try PrivateKey.generateP256()
            let unknown = try await sim.authorize(terne, auth: .jwt(key: stranger, keyID: "client-ec", audience: nil, claims: nil))
            #expect(unknown.status == 401)
        }
    }
}
