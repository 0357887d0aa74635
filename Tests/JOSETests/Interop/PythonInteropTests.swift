import Foundation
import JOSE
import Testing

/// Interop with an independent implementation: Python `cryptography` + `pyjwt`.
/// These tests FAIL (not skip) when the virtualenv cannot be created.
@Suite("Interop with Python cryptography + pyjwt", .serialized)
struct PythonInteropTests {
    let verifier = JWSVerifier(allowedAlgorithms: JWSAlgorithm.asymmetric)

    @Test("Python signs, we verify (JWK and PEM), tampered versions fail",
          arguments: [JWSAlgorithm.rs256, .rs384, .rs512, .ps256, .ps384, .ps512, .es256, .es384])
    func pythonSignsWeVerify(algorithm: JWSAlgorithm) async throws {
        let claims: [String: JSONValue] = ["iss": "https://idp.example", "aud": "client-1", "ssn": "196802020575",
                                           "exp": 1716375701, "name": "Terne Paulsen"]
        let answer = try await PythonInterop.run(["op": "sign", "alg": .string(algorithm.rawValue), "kid": "py-key", "claims": .object(claims)])
        let token = try answer.string("token")
        let jwk = try JWK(json: try #require(answer["jwk"]?.objectValue))
        #expect(jwk.kid == "py-key")

        let jws = try CompactJWS.parse(token)
        #expect(jws.header.jwsAlgorithm == algorithm)
        #expect(jws.header.keyID == "py-key")
        try verifier.verify(jws, key: jwk)
        try verifier.verify(jws, keySet: JWKSet(keys: [jwk]))
        try verifier.verify(jws, key: PublicKey(pem: answer.string("public_pem")))
        #expect(try jws.claims() == claims)

        let tamperedPayload = Tokenforge.replacingPayload(token, with: #"{"aud":"client-1","iss":"https://idp.example","ssn":"197001010000"}"#)
        let payloadError = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(tamperedPayload), key: jwk) }
        #expect(payloadError?.kind == .badSignature)
        var signature = jws.signature
        signature[signature.count / 2] ^= 0x80
        let signatureError = #expect(throws: JOSEError.self) {
            try verifier.verify(CompactJWS.parse(Tokenforge.replacingSignature(token, with: signature)), key: jwk)
        }
        #expect(signatureError?.kind == .badSignature)
    }

    @Test("We sign client assertions, pyjwt accepts them and checks iss/aud/exp", arguments: [JWSAlgorithm.rs256, .es256, .ps256])
    func weSignPythonVerifies(algorithm: JWSAlgorithm) async throws {
        let key = try TestKeys.key(for: algorithm)
        let signer = JWTSigner(key: key, algorithm: algorithm, keyID: "our-key")
        let assertion = try signer.signClientAssertion(clientID: "urn:ciba-agi:client", audience: "https://idp.example/oauth2/token")
        let publicPEM = try key.publicKey().pem()
        func pythonVerify(_ token: String, audience: String = "https://idp.example/oauth2/token",
                          issuer: String = "urn:ciba-agi:client") async throws -> [String: JSONValue] {
            try await PythonInterop.run(["op": "verify", "token": .string(token), "public_pem": .string(publicPEM),
                                   "alg": .string(algorithm.rawValue), "audience": .string(audience), "issuer": .string(issuer)])
        }
        let accepted = try await pythonVerify(assertion)
        #expect(accepted["ok"] == true)
        let claims = try #require(accepted["claims"]?.objectValue)
        #expect(claims["sub"] == "urn:ciba-agi:client")
        #expect(accepted["header"]?["kid"] == "our-key")
        #expect(accepted["header"]?["alg"] == .string(algorithm.rawValue))

        // pyjwt really checks: wrong audience, wrong issuer, expired, tampered all fail there.
        #expect(try await pythonVerify(assertion, audience: "https://other.example")["ok"] == false)
        #expect(try await pythonVerify(assertion, issuer: "someone-else")["ok"] == false)
        let expired = try signer.signClientAssertion(clientID: "urn:ciba-agi:client", audience: "https://idp.example/oauth2/token",
                                                     now: Date(timeIntervalSinceNow: -3600))
        #expect(try await pythonVerify(expired)["ok"] == false)
        let tampered = Tokenforge.replacingPayload(assertion, with: #"{"aud":"https://idp.example/oauth2/token","exp":9999999999,"iat":1,"iss":"urn:ciba-agi:client","jti":"x","sub":"urn:ciba-agi:client"}"#)
        #expect(try await pythonVerify(tampered)["ok"] == false)
    }

    @Test("Python-generated PEM keys load in every format; encrypted ones are refused clearly", arguments: ["rsa", "p256", "p384"])
    func pythonKeyFormats(kind: String) async throws {
        let keys = try await PythonInterop.run(["op": "keys", "kind": .string(kind)])
        let pythonJWK = try JWK(json: try #require(keys["jwk"]?.objectValue))
        let pkcs8 = try keys.string("pkcs8")
        let traditional = try keys.string("traditional")
        #expect(pkcs8.contains("BEGIN PRIVATE KEY"))
        #expect(traditional.contains(kind == "rsa" ? "BEGIN RSA PRIVATE KEY" : "BEGIN EC PRIVATE KEY"))
        for pem in [pkcs8, traditional] {
            let key = try PrivateKey(pem: pem)
            let ours = try key.publicJWK(keyID: nil, algorithm: nil)
            #expect(ours.n == pythonJWK.n && ours.e == pythonJWK.e && ours.x == pythonJWK.x && ours.y == pythonJWK.y && ours.crv == pythonJWK.crv)
            // And what this key signs verifies under Python's view of the public key.
            let token = try JWTSigner(key: key, keyID: nil).sign(claims: ["k": .string(kind)])
            try verifier.verify(CompactJWS.parse(token), key: pythonJWK)
        }
        let publicKey = try PublicKey(pem: keys.string("public_pem"))
        #expect(publicKey.jwk.n == pythonJWK.n && publicKey.jwk.x == pythonJWK.x)
        for encrypted in [try keys.string("encrypted_pkcs8"), try keys.string("encrypted_traditional")] {
            let error = #expect(throws: JOSEError.self) { try PrivateKey(pem: encrypted) }
            #expect(error?.kind == .invalidKey)
            #expect(error?.reason.contains("encrypted") == true)
        }
    }

    @Test("Keys we refuse: RSA 1024, P-521, secp256k1 from Python", arguments: ["rsa1024", "p521", "secp256k1"])
    func refusedKeys(kind: String) async throws {
        let keys = try await PythonInterop.run(["op": "keys", "kind": .string(kind)])
        let privateError = #expect(throws: JOSEError.self) { try PrivateKey(pem: keys.string("pkcs8")) }
        #expect(privateError?.kind == .invalidKey)
        let publicError = #expect(throws: JOSEError.self) { try PublicKey(pem: keys.string("public_pem")) }
        #expect(publicError?.kind == .invalidKey)
        let jwkError = #expect(throws: JOSEError.self) { try PublicKey(jwk: JWK(json: try #require(keys["jwk"]?.objectValue))) }
        #expect(jwkError?.kind == .invalidKey)
    }

    @Test("HS256 forged with the RSA public key's PEM bytes as HMAC secret is refused")
    func hmacWithPublicKeyForgery() async throws {
        let key = try TestKeys.rsa.get()
        let publicPEM = try key.publicKey().pem()
        let jwk = try key.publicJWK(keyID: nil, algorithm: nil)
        for alg in ["HS256", "HS384", "HS512"] {
            let forged = try await PythonInterop.run(["op": "hmac_forge", "alg": .string(alg), "secret": .string(publicPEM),
                                                "claims": ["iss": "https://idp.example", "ssn": "196802020575"]])
            let jws = try CompactJWS.parse(forged.string("token"))
            #expect(jws.header.algorithm == alg)
            for candidate in [verifier, JWSVerifier(allowedAlgorithms: [.hs256, .hs384, .hs512, .rs256])] {
                let error = #expect(throws: JOSEError.self) { try candidate.verify(jws, key: jwk) }
                #expect(error?.kind == .algorithmNotAllowed)
                let setError = #expect(throws: JOSEError.self) { try candidate.verify(jws, keySet: JWKSet(keys: [jwk])) }
                #expect(setError?.kind == .algorithmNotAllowed)
            }
        }
    }

    @Test("RFC 7515 A.2 private key (rebuilt by Python) signs exactly the RFC's RS256 signature")
    func rfc7515A2Signing() async throws {
        let keys = try await PythonInterop.run(["op": "rfc7515_a2_key", "n": .string(RFCVectors.A2.n), "e": .string(RFCVectors.A2.e),
                                          "d": .string(RFCVectors.A2.d), "p": .string(RFCVectors.A2.p), "q": .string(RFCVectors.A2.q)])
        for format in ["pkcs8", "traditional"] {
            let key = try PrivateKey(pem: keys.string(format))
            #expect(try key.publicJWK(keyID: nil).n == RFCVectors.A2.n)
            let payload = try CompactJWS.parse(RFCVectors.A2.token).payload
            let token = try JWTSigner(key: key, keyID: nil).sign(payload: payload, type: nil)
            // PKCS#1 v1.5 is deterministic and the header is {"alg":"RS256"}: byte-identical to the RFC.
            #expect(token == RFCVectors.A2.token)
        }
    }

    @Test("PS256 salt length must equal the hash length (32): other salt lengths are refused",
          arguments: [JSONValue.number(32), .number(0), .number(20), .number(64), .string("max")])
    func pssSaltLength(salt: JSONValue) async throws {
        let answer = try await PythonInterop.run(["op": "sign_pss", "salt_length": salt, "claims": ["sub": "x"]])
        let jwk = try JWK(json: try #require(answer["jwk"]?.objectValue))
        let jws = try CompactJWS.parse(answer.string("token"))
        if salt == .number(32) {
            try verifier.verify(jws, key: jwk)
        } else {
            let error = #expect(throws: JOSEError.self) { try verifier.verify(jws, key: jwk) }
            #expect(error?.kind == .badSignature)
        }
    }
}
