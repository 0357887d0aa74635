import JOSE
import Testing

@Suite("Key import and export")
struct KeyImportTests {
    private func a2ModulusBytes() throws -> [UInt8] { try Base64URL.decode(RFCVectors.A2.n) }

    @Test("Generated keys export PKCS#8 PEM that loads back to the same public key")
    func pemRoundTrip() throws {
        for key in [try TestKeys.rsa.get(), try TestKeys.p256.get(), try TestKeys.p384.get()] {
            let pem = try key.pemPKCS8()
            #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            let reloaded = try PrivateKey(pem: pem)
            #expect(try reloaded.publicJWK(keyID: "x") == key.publicJWK(keyID: "x"))
            #expect(reloaded.defaultAlgorithm == key.defaultAlgorithm)
        }
    }

    @Test("Public keys load from SPKI PEM and give the same JWK as the private key")
    func publicPEM() throws {
        for key in [try TestKeys.rsa.get(), try TestKeys.p256.get()] {
            let pem = try key.publicKey().pem()
            #expect(pem.hasPrefix("-----BEGIN PUBLIC KEY-----"))
            let loaded = try PublicKey(pem: pem, keyID: "pem")
            #expect(loaded.jwk == (try key.publicJWK(keyID: "pem", algorithm: nil)))
        }
    }

    @Test("JWK export → import gives a working verification key (RSA, P-256, P-384)")
    func jwkRoundTrip() throws {
        for key in [try TestKeys.rsa.get(), try TestKeys.p256.get(), try TestKeys.p384.get()] {
            let jwk = try key.publicJWK(keyID: "k")
            #expect(jwk.use == "sig")
            #expect(jwk.alg == key.defaultAlgorithm.rawValue)
            let token = try JWTSigner(key: key, keyID: "k").sign(claims: ["x": 1])
            try JWSVerifier(allowedAlgorithms: [key.defaultAlgorithm]).verify(CompactJWS.parse(token), key: PublicKey(jwk: jwk))
        }
    }

    @Test("EC coordinates are exported at full length even with leading zero bytes")
    func ecCoordinateLength() throws {
        for _ in 0..<64 {
            let jwk = try PrivateKey.generateP256().publicJWK(keyID: nil)
            #expect(try Base64URL.decode(jwk.x ?? "").count == 32)
            #expect(try Base64URL.decode(jwk.y ?? "").count == 32)
        }
    }

    @Test("RSA keys under 2048 bits are refused (JWK import and generation)")
    func smallRSARefused() throws {
        // A 1024-bit odd modulus (prefix of the RFC 7515 A.2 modulus): well-formed, too small.
        var modulus = Array(try a2ModulusBytes().prefix(128))
        modulus[127] |= 1
        let jwk = JWK(kty: "RSA", n: Base64URL.encode(modulus), e: "AQAB")
        let error = #expect(throws: JOSEError.self) { try PublicKey(jwk: jwk) }
        #expect(error?.kind == .invalidKey)
        #expect(error?.reason.contains("2048") == true)
        let verify = #expect(throws: JOSEError.self) {
            try JWSVerifier(allowedAlgorithms: [.rs256]).verify(CompactJWS.parse(RFCVectors.A2.token), key: jwk)
        }
        #expect(verify?.kind == .invalidKey)
        #expect(throws: JOSEError.self) { try PrivateKey.generateRSA(bits: 1024) }
    }

    @Test("Malformed RSA JWKs are refused", arguments: [
        JWK(kty: "RSA", e: "AQAB"),
        JWK(kty: "RSA", n: RFCVectors.A2.n),
        JWK(kty: "RSA", n: RFCVectors.A2.n, e: "AQA="),
        JWK(kty: "RSA", n: RFCVectors.A2.n + "=", e: "AQAB"),
        JWK(kty: "RSA", n: RFCVectors.A2.n, e: "AQ"),      // e = 1
        JWK(kty: "RSA", n: RFCVectors.A2.n, e: "AQAA"),    // e even
        JWK(kty: "RSA", n: RFCVectors.A2.n, e: ""),
        JWK(kty: "RSA", n: "", e: "AQAB"),
        JWK(kty: "oct", n: RFCVectors.A2.n, e: "AQAB"),
        JWK(kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
    ])
    func malformedRSA(jwk: JWK) {
        let error = #expect(throws: JOSEError.self) { try PublicKey(jwk: jwk) }
        #expect(error?.kind == .invalidKey || error?.kind == .malformed)
    }

    @Test("EC point not on the curve is refused")
    func pointNotOnCurve() throws {
        var y = try Base64URL.decode(RFCVectors.A3.jwk.y ?? "")
        y[31] ^= 0x01
        let jwk = JWK(kty: "EC", crv: "P-256", x: RFCVectors.A3.jwk.x, y: Base64URL.encode(y))
        let error = #expect(throws: JOSEError.self) { try PublicKey(jwk: jwk) }
        #expect(error?.kind == .invalidKey)
        // And through the verifier: the RFC's valid signature must not rescue an invalid key.
        let verify = #expect(throws: JOSEError.self) {
            try JWSVerifier(allowedAlgorithms: [.es256]).verify(CompactJWS.parse(RFCVectors.A3.token), key: jwk)
        }
        #expect(verify?.kind == .invalidKey)
        // The all-zero point (and the point at infinity encoding) is not on the curve either.
        let zero = Base64URL.encode([UInt8](repeating: 0, count: 32))
        #expect(throws: JOSEError.self) { try PublicKey(jwk: JWK(kty: "EC", crv: "P-256", x: zero, y: zero)) }
    }

    @Test("EC coordinate lengths must match the curve exactly")
    func coordinateLengths() throws {
        let x = try Base64URL.decode(RFCVectors.A3.jwk.x ?? "")
        let y = try Base64URL.decode(RFCVectors.A3.jwk.y ?? "")
        for (cx, cy) in [(Array(x.dropFirst()), y), (x, Array(y.dropFirst())), ([0] + x, y), (x, [0] + y)] {
            let jwk = JWK(kty: "EC", crv: "P-256", x: Base64URL.encode(cx), y: Base64URL.encode(cy))
            let error = #expect(throws: JOSEError.self) { try PublicKey(jwk: jwk) }
            #expect(error?.kind == .invalidKey)
        }
        // P-256 coordinates declared as P-384: wrong length for the curve.
        let error = #expect(throws: JOSEError.self) { try PublicKey(jwk: JWK(kty: "EC", crv: "P-384", x: RFCVectors.A3.jwk.x, y: RFCVectors.A3.jwk.y)) }
        #expect(error?.kind == .invalidKey)
        let unsupported = #expect(throws: JOSEError.self) { try PublicKey(jwk: JWK(kty: "EC", crv: "P-521", x: RFCVectors.A3.jwk.x, y: RFCVectors.A3.jwk.y)) }
        #expect(unsupported?.kind == .invalidKey)
    }

    @Test("PEM input that is not a usable private key gives a clear error", arguments: [
        "", "not a pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
    ])
    func badPrivatePEM(pem: String) {
        let error = #expect(throws: JOSEError.self) { try PrivateKey(pem: pem) }
        #expect(error?.kind == .invalidKey)
    }

    @Test("Encrypted PEM private keys are refused with a clear message, without prompting")
    func encryptedPEM() {
        let pkcs8 = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n"
        let traditional = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"
        for pem in [pkcs8, traditional] {
            let error = #expect(throws: JOSEError.self) { try PrivateKey(pem: pem) }
            #expect(error?.kind == .invalidKey)
            #expect(error?.reason.contains("encrypted") == true)
        }
    }

    @Test("Public PEM: garbage and private keys are refused")
    func badPublicPEM() throws {
        #expect(throws: JOSEError.self) { try PublicKey(pem: "nonsense") }
        #expect(throws: JOSEError.self) { try PublicKey(pem: TestKeys.p256.get().pemPKCS8()) }
    }

    /// Found by the jose fuzz target: OpenSSL loads this SPKI (2048-bit modulus, exponent
    /// 65578), but its JWK would be refused. PEM and JWK imports now apply the same rules.
    @Test("Public PEM with an even RSA exponent is refused, as its JWK is")
    func evenExponentPEMRefused() throws {
        let pem = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAo4ANqIVjVwvU2T+0ltVS
        7vifmnShkeCqai3698AcrgVcGix/pbcv7vHAeWpS2r2RwMSpLOBLCa1C7U/tgmo4
        RCyWB2cXNPaB6CYEwUibSaCIc9XYTGLV3KPQHkzfgQ8zyQpU9DqrmIb5hmXm9ot6
        DoaXjTfJ4CNCl3NOAVGEso/SXpihXD0bycM4EjrqH8m/SnDBdVndGBSXT2XDR0Dr
        W2jTIgooIo8fX5e3IlLmLtPKOjAq0NdotxIwWs36RygISpIQWwvzZpzQrjOL1qzn
        nGU81e/ytMLLGdMvy861lEdxOgpjE6vsqxV6h4uhrd+upOpq9pF9aCtEzbC0cyUy
        kwIDAQAq
        -----END PUBLIC KEY-----
        """
        let error = #expect(throws: JOSEError.self) { try PublicKey(pem: pem) }
        #expect(error?.kind == .invalidKey)
        #expect(error.map { String(describing: $0) }?.contains("exponent") == true)
    }

    @Test("PrivateKey description never contains key material")
    func descriptionIsSafe() throws {
        for key in [try TestKeys.rsa.get(), try TestKeys.p256.get()] {
            let pem = try key.pemPKCS8()
            let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }
            for text in [key.description, key.debugDescription, String(describing: key), String(reflecting: key), "\(key)"] {
                #expect(!text.contains("BEGIN"))
                for line in body { #expect(!text.contains(line)) }
                let jwk = try key.publicJWK(keyID: nil)
                #expect(!text.contains(jwk.n ?? "never") && !text.contains(jwk.x ?? "never"))
            }
        }
    }

    @Test("SecureRandom returns fresh bytes")
    func secureRandom() throws {
        let a = try SecureRandom.bytes(count: 32)
        let b = try SecureRandom.bytes(count: 32)
        #expect(a.count == 32 && a != b)
        #expect(try SecureRandom.bytes(count: 0).isEmpty)
    }
}
