/// A private signing key (RSA ≥ 2048 bits, or EC on P-256/P-384).
///
/// Used for `private_key_jwt` client assertions and by the simulated provider for ID tokens.
/// ``description`` never prints key material, only type and size, so a `PrivateKey` may
/// end up in logs or error texts without leaking anything.
public struct PrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let key: EVPKey
    let keyType: KeyType

    /// Loads an unencrypted private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`),
    /// PKCS#1 (`BEGIN RSA PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`).
    /// - Throws: ``JOSEError/Kind/invalidKey`` for encrypted keys (clear message), other PEM
    ///   types, RSA keys under 2048 bits, unsupported curves, a public half that does not
    ///   belong to the private half.
    public init(pem: String) throws {
        let key = try EVPKey.privateKey(pem: pem)
        self.keyType = try key.validatedKeyType()
        try key.checkKeyPair()
        self.key = key
    }

    private init(key: EVPKey) throws {
        self.keyType = try key.validatedKeyType()
        self.key = key
    }

    /// Generates a new RSA key (2048–8192 bits).
    public static func generateRSA(bits: Int = 2048) throws -> PrivateKey {
        guard bits >= RSAKeyLimits.minimumBits, bits <= RSAKeyLimits.maximumBits else {
            throw JOSEError.invalidKey("RSA key size must be \(RSAKeyLimits.minimumBits)–\(RSAKeyLimits.maximumBits) bits")
        }
        return try PrivateKey(key: EVPKey.generateRSA(bits: bits))
    }

    /// Generates a new P-256 key (for ES256).
    public static func generateP256() throws -> PrivateKey {
        try PrivateKey(key: EVPKey.generateEC(curve: .p256))
    }

    /// Generates a new P-384 key (for ES384 verification tests; signing supports ES256/RS256/PS256).
    public static func generateP384() throws -> PrivateKey {
        try PrivateKey(key: EVPKey.generateEC(curve: .p384))
    }

    /// `RS256` for RSA keys, `ES256` for P-256, `ES384` for P-384.
    public var defaultAlgorithm: JWSAlgorithm {
        switch keyType {
        case .rsa: return .rs256
        case .ec(.p256): return .es256
        case .ec(.p384): return .es384
        }
    }

    /// The algorithms this key can sign with.
    public var supportedAlgorithms: Set<JWSAlgorithm> {
        switch keyType {
        case .rsa: return [.rs256, .rs384, .rs512, .ps256, .ps384, .ps512]
        case .ec(.p256): return [.es256]
        case .ec(.p384): return [.es384]
        }
    }

    /// The public half as a JWK with `use: sig` and `alg` = ``defaultAlgorithm``
    /// (publish it in a JWKS; a verifier will then accept only that algorithm for it).
    public func publicJWK(keyID: String?) throws -> JWK {
        try publicJWK(keyID: keyID, algorithm: defaultAlgorithm)
    }

    /// The public half as a JWK with `use: sig` and the given `alg` (`nil`: no `alg` member,
    /// the key may then be used with any algorithm of its type).
    public func publicJWK(keyID: String?, algorithm: JWSAlgorithm?) throws -> JWK {
        if let algorithm, !supportedAlgorithms.contains(algorithm) {
            throw JOSEError.keyMismatch("key type does not fit algorithm \(algorithm.rawValue)")
        }
        var jwk = try PublicKey.exportJWK(key, type: keyType, keyID: keyID)
        jwk.alg = algorithm?.rawValue
        return jwk
    }

    /// The public half as a verification key.
    public func publicKey(keyID: String? = nil) throws -> PublicKey {
        PublicKey(key: key, keyType: keyType, jwk: try PublicKey.exportJWK(key, type: keyType, keyID: keyID))
    }

    /// The key as unencrypted PKCS#8 PEM, for writing demo and test key files.
    /// Treat the result as a secret.
    public func pemPKCS8() throws -> String { try key.privateKeyPKCS8PEM() }

    /// Signs raw bytes with `algorithm` (the JWS signature value, `r || s` for ECDSA).
    func sign(_ message: [UInt8], algorithm: JWSAlgorithm) throws -> [UInt8] {
        let scheme = try SignatureScheme(algorithm)
        guard scheme.keyType == keyType else {
            throw JOSEError.keyMismatch("private key type does not fit algorithm \(algorithm.rawValue)")
        }
        return try key.sign(message, scheme: scheme)
    }

    /// Type and size only; never key material.
    public var description: String {
        switch keyType {
        case .rsa: return "PrivateKey(RSA \(key.bits) bits)"
        case .ec(let curve): return "PrivateKey(EC \(curve.jwkName))"
        }
    }

    public var debugDescription: String { description }
}
