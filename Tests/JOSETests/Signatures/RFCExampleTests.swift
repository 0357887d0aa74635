import JOSE
import Testing

@Suite("RFC 7515 / RFC 7517 examples")
struct RFCExampleTests {
    let verifier = JWSVerifier(allowedAlgorithms: JWSAlgorithm.asymmetric)

    @Test("RFC 7515 A.2: the RS256 example verifies with the RFC's key")
    func a2Verifies() throws {
        try verifier.verify(CompactJWS.parse(RFCVectors.A2.token), key: RFCVectors.A2.jwk)
    }

    @Test("RFC 7515 A.3: the ES256 example verifies with the RFC's key")
    func a3Verifies() throws {
        try verifier.verify(CompactJWS.parse(RFCVectors.A3.token), key: RFCVectors.A3.jwk)
    }

    @Test("RFC 7515 A.2 with a tampered payload fails")
    func a2Tampered() throws {
        let token = Tokenforge.replacingPayload(RFCVectors.A2.token, with: #"{"iss":"joe","exp":1300819380,"http://example.com/is_root":true}"#)
        let error = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(token), key: RFCVectors.A2.jwk) }
        #expect(error?.kind == .badSignature)
    }

    @Test("RFC 7515 A.3 with r and s swapped fails")
    func a3Swapped() throws {
        let signature = try Tokenforge.signature(of: RFCVectors.A3.token)
        let swapped = Array(signature[32...] + signature[..<32])
        let error = #expect(throws: JOSEError.self) {
            try verifier.verify(CompactJWS.parse(Tokenforge.replacingSignature(RFCVectors.A3.token, with: swapped)), key: RFCVectors.A3.jwk)
        }
        #expect(error?.kind == .badSignature)
    }

    @Test("A.2 signature does not verify as PS256 and A.3 not as ES384 (algorithm is part of the check)")
    func algorithmBinding() throws {
        let a2 = try CompactJWS.parse(RFCVectors.A2.token)
        let asPS256 = try CompactJWS.parse(Base64URL.encode(Array(#"{"alg":"PS256"}"#.utf8)) + "."
            + RFCVectors.A2.token.split(separator: ".")[1] + "." + Base64URL.encode(a2.signature))
        let error = #expect(throws: JOSEError.self) { try verifier.verify(asPS256, key: RFCVectors.A2.jwk) }
        #expect(error?.kind == .badSignature)
    }

    @Test("RFC 7517 A.1: the example public key set parses and both keys import")
    func rfc7517KeySet() throws {
        let set = try JWKSet.parse(Array(RFCVectors.rfc7517PublicKeySet.utf8))
        #expect(set.keys.count == 2)
        let ec = try #require(set.keys(withID: "1").first)
        #expect(ec.kty == "EC" && ec.crv == "P-256" && ec.use == "enc")
        let rsa = try #require(set.keys(withID: "2011-04-29").first)
        #expect(rsa.kty == "RSA" && rsa.alg == "RS256" && rsa.e == "AQAB")
        #expect(set.keys(withID: "nope").isEmpty)
        #expect(set.keys(withID: nil).count == 2)
        let ecKey = try PublicKey(jwk: ec)
        #expect(ecKey.description.contains("P-256"))
        let rsaKey = try PublicKey(jwk: rsa)
        #expect(rsaKey.description.contains("2048"))
    }

    @Test("RFC 7517 A.1: the EC key is marked use=enc, so it is refused for signatures")
    func encryptionKeyRefused() throws {
        let set = try JWKSet.parse(Array(RFCVectors.rfc7517PublicKeySet.utf8))
        var key = try #require(set.keys(withID: "1").first)
        // Put the A.3 public key material under the RFC 7517 "enc" metadata: the signature is valid, the use is not.
        key.x = RFCVectors.A3.jwk.x
        key.y = RFCVectors.A3.jwk.y
        let error = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(RFCVectors.A3.token), key: key) }
        #expect(error?.kind == .keyMismatch)
    }

    @Test("RFC 7517 A.1: the RS256-restricted RSA key is refused for an ES256 token and for a PS256 token")
    func restrictedAlgorithm() throws {
        let set = try JWKSet.parse(Array(RFCVectors.rfc7517PublicKeySet.utf8))
        let rsa = try #require(set.keys(withID: "2011-04-29").first)
        let es = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(RFCVectors.A3.token), key: rsa) }
        #expect(es?.kind == .keyMismatch)
        var a2KeyAsPS = RFCVectors.A2.jwk
        a2KeyAsPS.alg = "PS256"
        let rs = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(RFCVectors.A2.token), key: a2KeyAsPS) }
        #expect(rs?.kind == .keyMismatch)
    }

    @Test("JWKS round-trips through its JSON form and Codable")
    func jwksRoundTrip() throws {
        let set = try JWKSet.parse(Array(RFCVectors.rfc7517PublicKeySet.utf8))
        #expect(try JWKSet.parse(set.json.encoded()) == set)
    }

    @Test("Verifying against a key set picks the key by kid")
    func keySetVerification() throws {
        var a2 = RFCVectors.A2.jwk
        a2.kid = "a2"
        var a3 = RFCVectors.A3.jwk
        a3.kid = "a3"
        let set = JWKSet(keys: [a3, a2])
        // Neither RFC token has a kid: every key that fits the algorithm is tried.
        try verifier.verify(CompactJWS.parse(RFCVectors.A2.token), keySet: set)
        try verifier.verify(CompactJWS.parse(RFCVectors.A3.token), keySet: set)
        let onlyA3 = JWKSet(keys: [a3])
        let error = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(RFCVectors.A2.token), keySet: onlyA3) }
        #expect(error?.kind == .keyMismatch)
        let empty = #expect(throws: JOSEError.self) { try verifier.verify(CompactJWS.parse(RFCVectors.A2.token), keySet: JWKSet(keys: [])) }
        #expect(empty?.kind == .unknownKeyID)
    }
}

@Suite("RFC 7638 JWK thumbprint")
struct JWKThumbprintTests {
    @Test("The RFC 7638 §3.1 example key has the published thumbprint")
    func rfc7638Example() throws {
        let set = try JWKSet.parse(Array(RFCVectors.rfc7517PublicKeySet.utf8))
        let rsa = try #require(set.keys(withID: "2011-04-29").first)
        #expect(try rsa.thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test("Thumbprints ignore optional members and differ between keys")
    func stability() throws {
        var key = RFCVectors.A3.jwk
        let plain = try key.thumbprint()
        key.kid = "x"
        key.use = "sig"
        key.alg = "ES256"
        #expect(try key.thumbprint() == plain)
        #expect(try RFCVectors.A2.jwk.thumbprint() != plain)
        #expect(throws: JOSEError.self) { try JWK(kty: "oct").thumbprint() }
    }
}
