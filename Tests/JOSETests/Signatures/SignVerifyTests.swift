import Foundation
import JOSE
import Testing

@Suite("Signing and verifying")
struct SignVerifyTests {
    let verifier = JWSVerifier(allowedAlgorithms: JWSAlgorithm.asymmetric)

    @Test("Sign → verify round-trip for every supported algorithm",
          arguments: [JWSAlgorithm.rs256, .rs384, .rs512, .ps256, .ps384, .ps512, .es256, .es384])
    func roundTrip(algorithm: JWSAlgorithm) throws {
        let key = try TestKeys.key(for: algorithm)
        let signer = JWTSigner(key: key, algorithm: algorithm, keyID: "k-\(algorithm.rawValue)")
        let token = try signer.sign(claims: ["sub": "196802020575", "n": 1])
        let jws = try CompactJWS.parse(token)
        #expect(jws.header.algorithm == algorithm.rawValue)
        #expect(jws.header.keyID == "k-\(algorithm.rawValue)")
        #expect(jws.header.type == "JWT")
        var jwk = try key.publicJWK(keyID: "k-\(algorithm.rawValue)")
        jwk.alg = algorithm.rawValue
        try verifier.verify(jws, key: jwk)
        try verifier.verify(jws, key: key.publicKey())
        try verifier.verify(jws, keySet: JWKSet(keys: [jwk]))
        #expect(try jws.claims() == ["sub": "196802020575", "n": 1])

        let tampered = try CompactJWS.parse(Tokenforge.replacingPayload(token, with: #"{"n":1,"sub":"196802020576"}"#))
        let error = #expect(throws: JOSEError.self) { try verifier.verify(tampered, key: jwk) }
        #expect(error?.kind == .badSignature)
    }

    @Test("ECDSA signatures are JOSE r||s of fixed length, RSA signatures the modulus length")
    func signatureLengths() throws {
        for (algorithm, length) in [(JWSAlgorithm.es256, 64), (.es384, 96), (.rs256, 256), (.ps256, 256)] {
            for _ in 0..<8 {
                let token = try JWTSigner(key: TestKeys.key(for: algorithm), algorithm: algorithm, keyID: nil).sign(claims: [:])
                #expect(try CompactJWS.parse(token).signature.count == length)
            }
        }
    }

    @Test("Deterministic header and claims encoding (sorted keys)")
    func deterministicEncoding() throws {
        let token = try JWTSigner(key: TestKeys.rsa.get(), keyID: "kid-1").sign(claims: ["b": 2, "a": 1])
        let parts = token.split(separator: ".")
        #expect(String(decoding: try Base64URL.decode(String(parts[0])), as: UTF8.self) == #"{"alg":"RS256","kid":"kid-1","typ":"JWT"}"#)
        #expect(String(decoding: try Base64URL.decode(String(parts[1])), as: UTF8.self) == #"{"a":1,"b":2}"#)
        let untyped = try JWTSigner(key: TestKeys.p256.get(), keyID: nil).sign(claims: [:], type: nil)
        #expect(String(decoding: try Base64URL.decode(String(untyped.split(separator: ".")[0])), as: UTF8.self) == #"{"alg":"ES256"}"#)
    }

    @Test("Client assertion: iss = sub = client id, aud, random jti, exp = iat + lifetime ≤ 5 min")
    func clientAssertion() throws {
        let key = try TestKeys.p256.get()
        let signer = JWTSigner(key: key, keyID: "client-key")
        let now = Date(timeIntervalSince1970: 1_716_374_501.7)
        let first = try signer.signClientAssertion(clientID: "urn:my:client", audience: "https://idp.example", now: now)
        let second = try signer.signClientAssertion(clientID: "urn:my:client", audience: "https://idp.example", now: now)
        let jws = try CompactJWS.parse(first)
        try verifier.verify(jws, key: key.publicJWK(keyID: "client-key"))
        let claims = try jws.claims()
        #expect(claims["iss"] == "urn:my:client")
        #expect(claims["sub"] == "urn:my:client")
        #expect(claims["aud"] == "https://idp.example")
        #expect(claims["iat"]?.intValue == 1_716_374_501)
        #expect(claims["exp"]?.intValue == 1_716_374_621)
        let jti = try #require(claims["jti"]?.stringValue)
        #expect(try Base64URL.decode(jti).count == 16)
        #expect(try CompactJWS.parse(second).claims()["jti"] != claims["jti"])
        #expect(throws: JOSEError.self) { try signer.signClientAssertion(clientID: "c", audience: "a", lifetime: 301) }
        #expect(throws: JOSEError.self) { try signer.signClientAssertion(clientID: "c", audience: "a", lifetime: 0) }
    }

    @Test("Signer refuses none, HMAC and algorithms that do not fit the key")
    func signerRefusals() throws {
        let rsa = try TestKeys.rsa.get()
        let p256 = try TestKeys.p256.get()
        for (key, algorithm, kind) in [(rsa, JWSAlgorithm.hs256, JOSEError.Kind.algorithmNotAllowed), (rsa, .none, .algorithmNotAllowed),
                                       (rsa, .es256, .keyMismatch), (p256, .rs256, .keyMismatch), (p256, .es384, .keyMismatch),
                                       (p256, JWSAlgorithm(rawValue: "EdDSA"), .unsupportedAlgorithm)] {
            let error = #expect(throws: JOSEError.self) { try JWTSigner(key: key, algorithm: algorithm, keyID: nil).sign(claims: [:]) }
            #expect(error?.kind == kind)
        }
    }

    @Test("Concurrent signing and verifying with one shared key")
    func concurrentUse() async throws {
        let key = try TestKeys.p256.get()
        let jwk = try key.publicJWK(keyID: nil)
        let verifier = self.verifier
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<32 {
                group.addTask {
                    let token = try JWTSigner(key: key, keyID: nil).sign(claims: ["i": .number(Double(index))])
                    try verifier.verify(CompactJWS.parse(token), key: jwk)
                }
            }
            try await group.waitForAll()
        }
    }
}
