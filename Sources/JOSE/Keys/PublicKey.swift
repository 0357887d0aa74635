/// A validated public verification key (RSA ≥ 2048 bits, or EC on P-256/P-384).
///
/// Creating one validates the key completely: RSA modulus size and exponent, EC coordinate
/// lengths and that the point lies on the curve. What is left for ``JWSVerifier`` is the
/// match between key and algorithm.
public struct PublicKey: Sendable, CustomStringConvertible {
    let key: EVPKey
    let keyType: KeyType
    /// The JWK this key came from, or its public JWK when loaded from PEM.
    public let jwk: JWK

    /// Imports an RSA or EC public key from a JWK.
    /// - Throws: ``JOSEError/Kind/invalidKey`` (bad sizes, point not on the curve, unsupported
    ///   `kty`/`crv`) or ``JOSEError/Kind/malformed`` (members not strict base64url).
    public init(jwk: JWK) throws {
        switch jwk.kty {
        case "RSA":
            guard let nText = jwk.n, let eText = jwk.e else { throw JOSEError.invalidKey("RSA JWK needs n and e") }
            let modulus = try PublicKey.decodeMember(nText, name: "n")
            let exponent = try PublicKey.decodeMember(eText, name: "e")
            try PublicKey.checkRSAComponents(modulus: modulus, exponent: exponent)
            key = try EVPKey.rsaPublicKey(modulus: modulus, exponent: exponent)
        case "EC":
            guard let crvName = jwk.crv else { throw JOSEError.invalidKey("EC JWK needs crv") }
            guard let curve = ECCurve(jwkName: crvName) else {
                throw JOSEError.invalidKey("EC curve is not supported (P-256 and P-384 are)")
            }
            guard let xText = jwk.x, let yText = jwk.y else { throw JOSEError.invalidKey("EC JWK needs x and y") }
            let x = try PublicKey.decodeMember(xText, name: "x")
            let y = try PublicKey.decodeMember(yText, name: "y")
            guard x.count == curve.coordinateLength, y.count == curve.coordinateLength else {
                throw JOSEError.invalidKey("EC coordinates must be exactly \(curve.coordinateLength) bytes for \(curve.jwkName)")
            }
            key = try EVPKey.ecPublicKey(curve: curve, x: x, y: y)
            try key.checkPublicKey()
        default:
            throw JOSEError.invalidKey("JWK kty is not supported (RSA and EC are)")
        }
        keyType = try key.validatedKeyType()
        self.jwk = jwk
    }

    /// Imports a public key from PEM: SPKI `BEGIN PUBLIC KEY` or an X.509 `BEGIN CERTIFICATE`.
    public init(pem: String, keyID: String? = nil) throws {
        let key = try EVPKey.publicKey(pem: pem)
        let type = try key.validatedKeyType()
        if case .ec = type { try key.checkPublicKey() }
        self.key = key
        self.keyType = type
        self.jwk = try PublicKey.exportJWK(key, type: type, keyID: keyID)
    }

    init(key: EVPKey, keyType: KeyType, jwk: JWK) {
        self.key = key
        self.keyType = keyType
        self.jwk = jwk
    }

    /// The public key as SPKI PEM (`BEGIN PUBLIC KEY`).
    public func pem() throws -> String { try key.publicKeySPKIPEM() }

    /// Describes the key type and size only.
    public var description: String {
        switch keyType {
        case .rsa: return "PublicKey(RSA \(key.bits) bits, kid: \(jwk.kid ?? "none"))"
        case .ec(let curve): return "PublicKey(EC \(curve.jwkName), kid: \(jwk.kid ?? "none"))"
        }
    }

    static func decodeMember(_ text: String, name: String) throws -> [UInt8] {
        do { return try Base64URL.decode(text) } catch {
            throw JOSEError.malformed("JWK member \(name) is not strict base64url")
        }
    }

    /// Sanity checks on RSA components before OpenSSL sees them.
    static func checkRSAComponents(modulus: [UInt8], exponent: [UInt8]) throws {
        let significantModulus = modulus.drop { $0 == 0 }
        guard let lastModulusByte = significantModulus.last, lastModulusByte & 1 == 1 else {
            throw JOSEError.invalidKey("RSA modulus must be odd")
        }
        let significantExponent = Array(exponent.drop { $0 == 0 })
        guard !significantExponent.isEmpty, significantExponent.count <= 8,
              let lastExponentByte = significantExponent.last, lastExponentByte & 1 == 1,
              significantExponent != [1] else {
            throw JOSEError.invalidKey("RSA exponent must be odd, greater than 1 and at most 64 bits")
        }
        let bits = significantModulus.count * 8
        guard bits <= RSAKeyLimits.maximumBits + 8 else {
            throw JOSEError.invalidKey("RSA key is larger than \(RSAKeyLimits.maximumBits) bits")
        }
    }

    /// The public JWK for a validated key.
    static func exportJWK(_ key: EVPKey, type: KeyType, keyID: String?) throws -> JWK {
        switch type {
        case .rsa:
            return JWK(kty: "RSA", kid: keyID, use: "sig",
                       n: Base64URL.encode(try key.bigNumberParameter("n")),
                       e: Base64URL.encode(try key.bigNumberParameter("e")))
        case .ec(let curve):
            return JWK(kty: "EC", kid: keyID, use: "sig", crv: curve.jwkName,
                       x: Base64URL.encode(try key.bigNumberParameter("qx", paddedTo: curve.coordinateLength)),
                       y: Base64URL.encode(try key.bigNumberParameter("qy", paddedTo: curve.coordinateLength)))
        }
    }
}
