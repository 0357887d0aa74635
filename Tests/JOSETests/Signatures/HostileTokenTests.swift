import JOSE
import Testing

/// Tokens an attacker could send us. Every one must fail with the right error kind and
/// without crashing; none may verify.
@Suite("Hostile tokens")
struct HostileTokenTests {
    let verifier = JWSVerifier(allowedAlgorithms: JWSAlgorithm.asymmetric)
    private func b64(_ text: String) -> String { Base64URL.encode(Array(text.utf8)) }

    @Test("alg none is refused, even when the allow-list names it", arguments: ["none", "None", "NONE", "nOnE"])
    func algNone(alg: String) throws {
        let token = b64(#"{"alg":"\#(alg)"}"#) + "." + b64(#"{"sub":"x"}"#) + "."
        let permissive = JWSVerifier(allowedAlgorithms: [.none, JWSAlgorithm(rawValue: alg), .rs256])
        #expect(permissive.allowedAlgorithms == [.rs256])
        for candidate in [verifier, permissive] {
            let error = #expect(throws: JOSEError.self) { try candidate.verify(CompactJWS.parse(token), key: RFCVectors.A2.jwk) }
            #expect(error?.kind == .algorithmNotAllowed)
        }
    }

    @Test("HMAC algorithms are refused even with an allow-list that includes them", arguments: ["HS256", "HS384", "HS512", "hs256"])
    func hmacRefused(alg: String) throws {
        let token = b64(#"{"alg":"\#(alg)"}"#) + "." + b64(#"{"sub":"x"}"#) + "." + Base64URL.encode([UInt8](repeating: 7, count: 32))
        let permissive = JWSVerifier(allowedAlgorithms: [.hs256, .hs384, .hs512, .rs256])
        let error = #expect(throws: JOSEError.self) { try permissive.verify(CompactJWS.parse(token), key: RFCVectors.A2.jwk) }
        #expect(error?.kind == .algorithmNotAllowed)
    }

    @Test("Algorithms outside the allow-list are refused; unknown ones are unsupported")
    func allowList() throws {
        let onlyRS256 = JWSVerifier(allowedAlgorithms: [.rs256])
        let es = #expect(throws: JOSEError.self) { try onlyRS256.verify(CompactJWS.parse(RFCVectors.A3.token), key: RFCVectors.A3.jwk) }
        #expect(es?.kind == .algorithmNotAllowed)
        let onlyES256 = JWSVerifier(allowedAlgorithms: [.es256])
        let rs = #expect(throws: JOSEError.self) { try onlyES256.verify(CompactJWS.parse(RFCVectors.A2.token), key: RFCVectors.A2.jwk) }
        #expect(rs?.kind == .algorithmNotAllowed)
        for alg in ["EdDSA", "ES512", "RS1", "PS256 ", "", "RSA-OAEP"] where !alg.isEmpty {
            let token = b64(#"{"alg":"\#(alg)"}"#) + "." + b64("{}") + ".AAAA"
            let error = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(token), key: RFCVectors.A2.jwk) }
            #expect(error?.kind == .unsupportedAlgorithm)
        }
    }

    @Test("kty must match the algorithm: RS256 token with an EC key, ES256 token with an RSA key")
    func keyTypeMismatch() throws {
        let rsWithEC = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(RFCVectors.A2.token), key: RFCVectors.A3.jwk) }
        #expect(rsWithEC?.kind == .keyMismatch)
        let esWithRSA = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(RFCVectors.A3.token), key: RFCVectors.A2.jwk) }
        #expect(esWithRSA?.kind == .keyMismatch)
        // An RSA key whose JWK claims to be EC (or the reverse) is refused, not reinterpreted.
        var lying = RFCVectors.A2.jwk
        lying.kty = "EC"
        let error = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(RFCVectors.A2.token), key: lying) }
        #expect(error?.kind == .keyMismatch)
    }

    @Test("crv must match: ES256 token with a P-384 key, ES384 token with a P-256 key")
    func curveMismatch() throws {
        let p384 = try TestKeys.p384.get()
        let p256 = try TestKeys.p256.get()
        let es256 = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(RFCVectors.A3.token), key: p384.publicJWK(keyID: nil, algorithm: nil)) }
        #expect(es256?.kind == .keyMismatch)
        let es384Token = try JWTSigner(key: p384, keyID: nil).sign(claims: [:])
        let es384 = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(es384Token), key: p256.publicJWK(keyID: nil, algorithm: nil)) }
        #expect(es384?.kind == .keyMismatch)
        // An ES384 token relabelled ES256 (signature of the wrong length for the curve) fails too.
        let parts = es384Token.split(separator: ".")
        let relabelled = b64(#"{"alg":"ES256"}"#) + "." + parts[1] + "." + parts[2]
        let error = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(relabelled), key: p256.publicJWK(keyID: nil, algorithm: nil)) }
        #expect(error?.kind == .badSignature)
    }

    @Test("JWK alg, use and key_ops restrictions are enforced")
    func jwkRestrictions() throws {
        var withAlg = RFCVectors.A3.jwk
        withAlg.alg = "ES384"
        var withUse = RFCVectors.A3.jwk
        withUse.use = "enc"
        var withOps = RFCVectors.A3.jwk
        withOps.keyOperations = ["encrypt"]
        for key in [withAlg, withUse, withOps] {
            let error = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(RFCVectors.A3.token), key: key) }
            #expect(error?.kind == .keyMismatch)
        }
        var fine = RFCVectors.A3.jwk
        fine.alg = "ES256"
        fine.use = "sig"
        fine.keyOperations = ["verify"]
        try verifier.verify(CompactJWS.parse(RFCVectors.A3.token), key: fine)
    }

    @Test("Truncated, extended, empty, zero and DER-encoded signatures fail cleanly")
    func signatureLengths() throws {
        for (token, key) in [(RFCVectors.A2.token, RFCVectors.A2.jwk), (RFCVectors.A3.token, RFCVectors.A3.jwk)] {
            let signature = try Tokenforge.signature(of: token)
            var variants: [[UInt8]] = [Array(signature.dropLast()), signature + [0], [0] + signature, [], Array(signature.dropFirst()),
                                       [UInt8](repeating: 0, count: signature.count), [UInt8](repeating: 0xFF, count: signature.count)]
            if signature.count == 64 {
                // The same r and s as ASN.1 DER (what OpenSSL itself produces) is not the JOSE format.
                let r = Array(signature[..<32]), s = Array(signature[32...])
                func integer(_ bytes: [UInt8]) -> [UInt8] {
                    let body = bytes.first.map { $0 >= 0x80 } == true ? [0] + bytes : bytes
                    return [0x02, UInt8(body.count)] + body
                }
                let sequence = integer(r) + integer(s)
                variants.append([0x30, UInt8(sequence.count)] + sequence)
            }
            for variant in variants {
                let error = #expect(throws: JOSEError.self) {
                    try verifier.verify(CompactJWS.parse(Tokenforge.replacingSignature(token, with: variant)), key: key)
                }
                #expect(error?.kind == .badSignature)
            }
        }
    }

    @Test("Every single-bit flip in the signing input or signature is detected (ES256)")
    func bitFlips() throws {
        let key = try TestKeys.p256.get()
        let token = try JWTSigner(key: key, keyID: nil).sign(claims: ["sub": "a"])
        let jwk = try key.publicJWK(keyID: nil)
        let jws = try CompactJWS.parse(token)
        for index in 0..<jws.signature.count {
            var signature = jws.signature
            signature[index] ^= 0x01
            #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(Tokenforge.replacingSignature(token, with: signature)), key: jwk) }
        }
        let payloads = [#"{"sub":"b"}"#, #"{"sub":"a" }"#, #"{"sub":"a","x":1}"#, #"{"sub":"A"}"#]
        for payload in payloads {
            #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(Tokenforge.replacingPayload(token, with: payload)), key: jwk) }
        }
    }

    @Test("A key embedded in the header (jwk, jku, x5u, x5c) is never used")
    func embeddedKeysIgnored() throws {
        // The attacker signs with their own key and ships its public half in the header.
        let attacker = try PrivateKey.generateP256()
        let attackerJWK = try attacker.publicJWK(keyID: "evil")
        let header: [String: JSONValue] = ["jwk": .object(attackerJWK.json), "jku": "https://evil.example/jwks",
                                           "x5u": "https://evil.example/cert", "x5c": ["MIIB"]]
        let token = try JWTSigner(key: attacker, keyID: "victim-kid").sign(payload: Array(#"{"sub":"x"}"#.utf8), extraHeader: header)
        let jws = try CompactJWS.parse(token)
        #expect(jws.header.fields["jwk"] != nil)
        let victim = try TestKeys.p256.get().publicJWK(keyID: "victim-kid")
        let error = #expect(throws: JOSEError.self) { try verifier.verify(jws, key: victim) }
        #expect(error?.kind == .badSignature)
        let setError = #expect(throws: JOSEError.self) { try verifier.verify(jws, keySet: JWKSet(keys: [victim])) }
        #expect(setError?.kind == .badSignature)
        let unknown = #expect(throws: JOSEError.self) {
            try verifier.verify(jws, keySet: JWKSet(keys: [try TestKeys.p256.get().publicJWK(keyID: "other")]))
        }
        #expect(unknown?.kind == .unknownKeyID)
    }

    @Test("PS256 and RS256 signatures do not cross-verify under the same RSA key")
    func paddingConfusion() throws {
        let key = try TestKeys.rsa.get()
        let jwk = try key.publicJWK(keyID: nil, algorithm: nil)
        for (signed, claimed) in [(JWSAlgorithm.rs256, "PS256"), (.ps256, "RS256"), (.ps256, "PS384"), (.rs256, "RS512")] {
            let token = try JWTSigner(key: key, algorithm: signed, keyID: nil).sign(claims: ["a": 1])
            let parts = token.split(separator: ".")
            let relabelled = b64(#"{"alg":"\#(claimed)","typ":"JWT"}"#) + "." + parts[1] + "." + parts[2]
            let error = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(relabelled), key: jwk) }
            #expect(error?.kind == .badSignature)
        }
    }

    @Test("Garbage never crashes the parser or verifier")
    func garbage() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}\"".utf8)
        for _ in 0..<2000 {
            let length = Int.random(in: 0...120, using: &generator)
            let text = String(decoding: (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 0x41 }, as: UTF8.self)
            if let jws = try? CompactJWS.parse(text) {
                #expect(throws: JOSEError.self) { try verifier.verify(jws, key: RFCVectors.A2.jwk) }
            }
        }
    }
}
