import URLEncoding
import CIBA
import Foundation
import JOSE
import Testing

@Suite("Client authentication wire formats")
struct ClientAuthenticationTests {
    @Test("client_secret_basic form-encodes id and secret before base64 (RFC 6749 §2.3.1)")
    func basic() async throws {
        let provider = TestProvider()
        let settings = ProviderSettings(issuer: TestProvider.issuer, clientID: "urn:my:client id",
                                        authentication: .clientSecretBasic(secret: "p:a%s s+wörd"))
        _ = try await provider.start(provider.authenticator(settings))
        let request = try #require(provider.transport.requests(to: "/ciba/bc-authorize").first)
        let header = try #require(request.request.header("Authorization"))
        #expect(header.hasPrefix("Basic "))
        let decoded = String(decoding: try #require(Data(base64Encoded: String(header.dropFirst(6)))), as: UTF8.self)
        #expect(decoded == "urn%3Amy%3Aclient%20id:p%3Aa%25s%20s%2Bw%C3%B6rd")
        // Decoding each side gives back the originals.
        let parts = decoded.split(separator: ":", maxSplits: 1).map { FormURLEncoding.percentDecode($0, plusIsSpace: true) }
        #expect(parts == ["urn:my:client id", "p:a%s s+wörd"])
        #expect(request.form["client_secret"] == nil)
        #expect(request.form["client_assertion"] == nil)
    }

    @Test("client_secret_post puts id and secret in the body")
    func post() async throws {
        let provider = TestProvider()
        _ = try await provider.start(provider.authenticator(TestProvider.settings(.clientSecretPost(secret: TestProvider.secret))))
        let request = try #require(provider.transport.requests(to: "/ciba/bc-authorize").first)
        #expect(request.request.header("Authorization") == nil)
        #expect(request.form["client_id"] == TestProvider.clientID)
        #expect(request.form["client_secret"] == TestProvider.secret)
    }

    @Test("tls_client_auth and self_signed_tls_client_auth send client_id and no secret or assertion (RFC 8705 §2)",
          arguments: [ClientAuthentication.tlsClientAuth, .selfSignedTLSClientAuth])
    func mutualTLS(method: ClientAuthentication) async throws {
        let provider = TestProvider()
        _ = try await provider.start(provider.authenticator(TestProvider.settings(method)))
        let request = try #require(provider.transport.requests(to: "/ciba/bc-authorize").first)
        #expect(request.request.header("Authorization") == nil)
        #expect(request.form["client_id"] == TestProvider.clientID)
        #expect(request.form["client_secret"] == nil)
        #expect(request.form["client_assertion"] == nil)
    }

    func assertionClaims(_ request: ScriptedTransport.Recorded, key: PrivateKey, kid: String) throws -> [String: JSONValue] {
        #expect(request.form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        let assertion = try #require(request.form["client_assertion"])
        let jws = try CompactJWS.parse(assertion)
        #expect(jws.header.keyID == kid)
        try JWSVerifier(allowedAlgorithms: JWSAlgorithm.asymmetric).verify(jws, key: try key.publicJWK(keyID: kid))
        return try jws.claims()
    }

    @Test("private_key_jwt RS256: iss = sub = client id, aud = issuer, random jti, exp ≤ iat + 5 min")
    func privateKeyJWTRS256() async throws {
        let provider = TestProvider()
        let auth = provider.authenticator(TestProvider.settings(.privateKeyJWT(key: TestKeys.clientRSA, keyID: "client-k1")))
        _ = try await provider.start(auth)
        _ = try await provider.start(auth)
        let requests = provider.transport.requests(to: "/ciba/bc-authorize")
        #expect(requests.count == 2)
        let first = try assertionClaims(requests[0], key: TestKeys.clientRSA, kid: "client-k1")
        let second = try assertionClaims(requests[1], key: TestKeys.clientRSA, kid: "client-k1")
        #expect(first["iss"] == .string(TestProvider.clientID))
        #expect(first["sub"] == .string(TestProvider.clientID))
        #expect(first["aud"] == .string(TestProvider.issuer.absoluteString))
        #expect(first["jti"] != nil && first["jti"] != second["jti"])
        let iat = try #require(first["iat"]?.doubleValue)
        let exp = try #require(first["exp"]?.doubleValue)
        #expect(exp > iat && exp - iat <= 300)
        #expect(abs(iat - Date().timeIntervalSince1970) < 60)
        #expect(requests[0].request.header("Authorization") == nil)
        #expect(requests[0].form["client_secret"] == nil)
    }

    @Test("private_key_jwt ES256 with the endpoint as audience")
    func privateKeyJWTES256EndpointAudience() async throws {
        let provider = TestProvider()
        var settings = TestProvider.settings(.privateKeyJWT(key: TestKeys.p256, keyID: "ec-client"))
        settings.assertionAudience = .endpoint
        let auth = provider.authenticator(settings)
        provider.transport.on("/oauth2/token", [TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims()))])
        _ = try await auth.pollForIdentity(try await provider.start(auth), expectedClaim: nil) { _ in }
        let bc = try assertionClaims(try #require(provider.transport.requests(to: "/ciba/bc-authorize").first), key: TestKeys.p256, kid: "ec-client")
        #expect(bc["aud"] == "https://op.example.com/ciba/bc-authorize")
        let token = try assertionClaims(try #require(provider.transport.requests(to: "/oauth2/token").first), key: TestKeys.p256, kid: "ec-client")
        #expect(token["aud"] == "https://op.example.com/oauth2/token")
    }

    @Test("a custom assertion audience is used verbatim")
    func customAudience() async throws {
        let provider = TestProvider()
        var settings = TestProvider.settings(.privateKeyJWT(key: TestKeys.clientRSA, keyID: nil))
        settings.assertionAudience = .custom("urn:audience")
        _ = try await provider.start(provider.authenticator(settings))
        let assertion = try #require(provider.transport.requests(to: "/ciba/bc-authorize").first?.form["client_assertion"])
        #expect(try CompactJWS.parse(assertion).claims()["aud"] == "urn:audience")
    }

    @Test("descriptions of the method never show the secret")
    func descriptionHidesSecret() {
        let method = ClientAuthentication.clientSecretBasic(secret: TestProvider.secret)
        #expect(!"\(method)".contains(TestProvider.secret))
        #expect(method.methodName == "client_secret_basic")
    }
}
