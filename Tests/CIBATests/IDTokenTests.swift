import CIBA
import Foundation
import JOSE
import Testing

@Suite("ID-token validation")
struct IDTokenTests {
    let validator = IDTokenValidator(issuer: TestProvider.issuer.absoluteString, clientID: TestProvider.clientID)
    let keys: JWKSet = {
        do { return JWKSet(keys: [try TestKeys.rsa.publicJWK(keyID: "k1")]) } catch { fatalError("\(error)") }
    }()
    let expected = (name: "ssn", value: TestProvider.number)

    func problem(_ token: String, keys: JWKSet? = nil, expected: (name: String, value: String)? = nil) -> CIBAFailure? {
        do {
            _ = try validator.validate(token, keys: keys ?? self.keys, expectedClaim: expected ?? self.expected)
            return nil
        } catch {
            return error
        }
    }

    func claims(_ change: (inout [String: JSONValue]) -> Void) -> [String: JSONValue] {
        var claims = TestProvider.claims()
        change(&claims)
        return claims
    }

    /// A compact JWS with any header and a made-up signature (or one computed by `sign`).
    func handMade(header: [String: JSONValue], claims: [String: JSONValue], signature: (String) -> [UInt8] = { _ in [] }) throws -> String {
        let input = Base64URL.encode(try JSONValue.object(header).encoded()) + "." + Base64URL.encode(try JSONValue.object(claims).encoded())
        return input + "." + Base64URL.encode(signature(input))
    }

    @Test("a valid RS256 token verifies and yields its claims")
    func valid() throws {
        let claims = try validator.validate(TestProvider.sign(TestProvider.claims()), keys: keys, expectedClaim: expected)
        #expect(claims["name"] == "Terne Paulsen")
    }

    @Test("a valid ES256 token verifies")
    func validES256() throws {
        let set = JWKSet(keys: [try TestKeys.p256.publicJWK(keyID: "ec1")])
        _ = try validator.validate(TestProvider.sign(TestProvider.claims(), key: TestKeys.p256, kid: "ec1"), keys: set, expectedClaim: expected)
    }

    @Test("alg none is refused")
    func algNone() throws {
        let token = try handMade(header: ["alg": "none", "typ": "JWT"], claims: TestProvider.claims())
        #expect(problem(token)?.tokenProblem == "algorithm")
        let token2 = try handMade(header: ["alg": "NONE", "kid": "k1"], claims: TestProvider.claims())
        #expect(problem(token2)?.tokenProblem == "algorithm")
    }

    @Test("HS256 signed with the provider's public key bytes is refused")
    func hmacWithPublicKey() throws {
        let jwk = try TestKeys.rsa.publicJWK(keyID: "k1")
        let pem = try TestKeys.rsa.publicKey(keyID: "k1").pem()
        // Whatever the HMAC secret (the PEM text, the modulus), the algorithm alone must refuse it.
        let token = try handMade(header: ["alg": "HS256", "kid": "k1"], claims: TestProvider.claims()) { input in
            HMACForTest.sha256(key: Array(pem.utf8), message: Array(input.utf8))
        }
        let failure = problem(token)
        #expect(failure?.kind == .tokenInvalid)
        #expect(failure?.tokenProblem == "algorithm")
        #expect(jwk.n != nil)
        // Even a validator whose allow-list names HS256 refuses it.
        let lax = IDTokenValidator(issuer: TestProvider.issuer.absoluteString, clientID: TestProvider.clientID,
                                   allowedAlgorithms: [.hs256, .rs256])
        #expect(throws: CIBAFailure.self) { try lax.validate(token, keys: keys, expectedClaim: nil) }
    }

    @Test("an algorithm outside the allow-list is refused")
    func notAllowed() throws {
        let strict = IDTokenValidator(issuer: TestProvider.issuer.absoluteString, clientID: TestProvider.clientID, allowedAlgorithms: [.es256])
        #expect(throws: CIBAFailure.self) { try strict.validate(TestProvider.sign(TestProvider.claims()), keys: keys, expectedClaim: nil) }
    }

    @Test("wrong issuer (even a trailing slash) is refused")
    func wrongIssuer() {
        #expect(problem(TestProvider.sign(claims { $0["iss"] = "https://evil.example.com" }))?.tokenProblem == "issuer")
        #expect(problem(TestProvider.sign(claims { $0["iss"] = "https://op.example.com/" }))?.tokenProblem == "issuer")
        #expect(problem(TestProvider.sign(claims { $0["iss"] = nil }))?.tokenProblem == "issuer")
    }

    @Test("wrong audience is refused; an array containing the client id is accepted")
    func audience() throws {
        #expect(problem(TestProvider.sign(claims { $0["aud"] = "urn:other:client" }))?.tokenProblem == "audience")
        #expect(problem(TestProvider.sign(claims { $0["aud"] = ["urn:other:client"] }))?.tokenProblem == "audience")
        #expect(problem(TestProvider.sign(claims { $0["aud"] = [.string(TestProvider.clientID)] })) == nil)
    }

    @Test("azp must be the client id; several audiences require it")
    func authorizedParty() {
        #expect(problem(TestProvider.sign(claims { $0["azp"] = "urn:other:client" }))?.tokenProblem == "audience")
        #expect(problem(TestProvider.sign(claims { $0["aud"] = [.string(TestProvider.clientID), "urn:other"] }))?.tokenProblem == "audience")
        #expect(problem(TestProvider.sign(claims {
            $0["aud"] = [.string(TestProvider.clientID), "urn:other"]
            $0["azp"] = .string(TestProvider.clientID)
        })) == nil)
    }

    @Test("expired tokens are refused; within the skew they pass")
    func expired() {
        let now = Date().timeIntervalSince1970.rounded(.down)
        #expect(problem(TestProvider.sign(claims { $0["exp"] = .number(now - 120) }))?.tokenProblem == "expired")
        #expect(problem(TestProvider.sign(claims { $0["exp"] = .number(now - 30) })) == nil)
        #expect(problem(TestProvider.sign(claims { $0["exp"] = nil }))?.tokenProblem == "malformed")
    }

    @Test("tokens not yet valid (nbf or iat in the future beyond the skew) are refused")
    func notYetValid() {
        let now = Date().timeIntervalSince1970.rounded(.down)
        #expect(problem(TestProvider.sign(claims { $0["nbf"] = .number(now + 300) }))?.tokenProblem == "not_yet_valid")
        #expect(problem(TestProvider.sign(claims { $0["iat"] = .number(now + 300) }))?.tokenProblem == "not_yet_valid")
        #expect(problem(TestProvider.sign(claims { $0["nbf"] = .number(now + 30) })) == nil)
    }

    @Test("a tampered payload or a foreign key's signature is refused")
    func badSignature() throws {
        let token = TestProvider.sign(TestProvider.claims())
        let parts = token.split(separator: ".").map(String.init)
        let forged = try JSONValue.object(claims { $0["ssn"] = "191212121212" }).encoded()
        let tampered = parts[0] + "." + Base64URL.encode(forged) + "." + parts[2]
        #expect(problem(tampered)?.tokenProblem == "signature")
        let foreign = TestProvider.sign(TestProvider.claims(), key: TestKeys.otherRSA, kid: "k1")
        #expect(problem(foreign)?.tokenProblem == "signature")
    }

    @Test("unknown kid against a fixed key set is unknown_key; no kid with one key uses that key")
    func keySelection() {
        #expect(problem(TestProvider.sign(TestProvider.claims(), kid: "k9"))?.tokenProblem == "unknown_key")
        #expect(problem(TestProvider.sign(TestProvider.claims(), kid: nil)) == nil)
    }

    @Test("garbage and oversized tokens are malformed")
    func malformed() {
        #expect(problem("not-a-jwt")?.tokenProblem == "malformed")
        #expect(problem("a.b.c")?.tokenProblem == "malformed")
        #expect(problem(String(repeating: "A", count: 20_000))?.tokenProblem == "malformed")
    }

    @Test("the configured claim must equal the number entered")
    func claimMismatch() {
        let failure = problem(TestProvider.sign(TestProvider.claims(ssn: "191212121212")))
        #expect(failure?.kind == .identityMismatch)
        #expect(failure?.code == "identity_mismatch")
        #expect(!(failure?.description.contains("191212121212") ?? true))
        #expect(!(failure?.description.contains(TestProvider.number) ?? true))
        #expect(problem(TestProvider.sign(claims { $0["ssn"] = nil }))?.kind == .identityMismatch)
        #expect(problem(TestProvider.sign(claims { $0["socialno"] = "27034698436" }),
                        expected: (name: "socialno", value: "27034698436")) == nil)
    }
}

@Suite("JWKS refetch on key rotation")
struct KeyRotationTests {
    @Test("unknown kid → one refetch finds the rotated key; another unknown kid within the cooldown refetches only when it ends")
    func rotation() async throws {
        let provider = TestProvider()
        let auth = provider.authenticator()
        let expected = (name: "ssn", value: TestProvider.number)
        provider.transport.on("/oauth2/token", [TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims()))])
        _ = try await auth.pollForIdentity(try await provider.start(auth), expectedClaim: expected) { _ in }
        #expect(provider.transport.requests(to: "/jwks").count == 1)

        // The provider rotates to k2; 31 s later a token signed with k2 arrives.
        provider.transport.on("/jwks", [.json(200, TestProvider.jwks([(TestKeys.rsaRotated, "k2")]))])
        provider.clock.advance(by: .seconds(31))
        provider.transport.on("/oauth2/token", [TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims(), key: TestKeys.rsaRotated, kid: "k2"))])
        let identity = try await auth.pollForIdentity(try await provider.start(auth), expectedClaim: expected) { _ in }
        #expect(identity.string("ssn") == TestProvider.number)
        #expect(provider.transport.requests(to: "/jwks").count == 2)

        // Immediately another unknown kid: no fetch now; the request waits out the cooldown,
        // refetches once at its end and is still refused (issue 8 bug 2).
        provider.transport.on("/oauth2/token", [TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims(), key: TestKeys.otherRSA, kid: "k3"))])
        let failure = await caught {
            _ = try await auth.pollForIdentity(try await provider.start(auth), expectedClaim: expected) { _ in }
        }
        #expect(failure?.kind == .tokenInvalid)
        #expect(failure?.tokenProblem == "unknown_key")
        let fetches = provider.transport.requests(to: "/jwks").map(\.at)
        #expect(fetches.count == 3)
        #expect(fetches[2] - fetches[1] >= .seconds(30))
    }
}

@Suite("JWKS cache lifetime")
struct JWKSLifetimeTests {
    @Test("the key set is reused within its lifetime and fetched again after it")
    func lifetime() async throws {
        let provider = TestProvider()
        let auth = provider.authenticator()
        _ = try await auth.signingKeys()
        _ = try await auth.signingKeys()
        #expect(provider.transport.requests(to: "/jwks").count == 1)
        provider.clock.advance(by: .seconds(3601))
        let keys = try await auth.signingKeys()
        #expect(keys.keys.first?.kid == "k1")
        #expect(provider.transport.requests(to: "/jwks").count == 2)
    }

    @Test("a JWKS that is not a key set is a provider error")
    func garbage() async {
        let provider = TestProvider()
        provider.transport.on("/jwks", [.raw(200, contentType: "text/html", "<html/>")])
        #expect(await caught { _ = try await provider.authenticator().signingKeys() }?.kind == .providerError)
    }
}
