/// Verifies compact JWS signatures under an explicit algorithm policy.
///
/// Rules, in order (each a distinct, log-safe error):
/// 1. `none` and every `HS*` algorithm are refused, even if listed in `allowedAlgorithms`:
///    an ID token must be signed with the provider's private key, and an HMAC "signed" with
///    a public key's bytes is the classic algorithm-confusion forgery.
/// 2. The algorithm must be one we implement and in `allowedAlgorithms`.
/// 3. The key must fit: `kty` (RSA/EC), `crv` for EC, the JWK's `alg` if it has one, `use`
///    if present must be `sig`, `key_ops` if present must include `verify`.
/// 4. The signature must verify (wrong lengths simply fail).
///
/// Keys are only ever taken from the caller; header `jwk`, `jku`, `x5u` and `x5c` are ignored.
public struct JWSVerifier: Sendable {
    /// The effective allow-list (forbidden algorithms already removed).
    public let allowedAlgorithms: Set<JWSAlgorithm>

    public init(allowedAlgorithms: Set<JWSAlgorithm>) {
        self.allowedAlgorithms = allowedAlgorithms.filter { !$0.isForbidden }
    }

    /// Checks the header's algorithm against the policy and returns its scheme.
    func scheme(for jws: CompactJWS) throws -> (JWSAlgorithm, SignatureScheme) {
        let algorithm = jws.header.jwsAlgorithm
        if algorithm.isForbidden {
            throw JOSEError(.algorithmNotAllowed, "alg none and HMAC algorithms are never accepted")
        }
        let scheme = try SignatureScheme(algorithm)
        guard allowedAlgorithms.contains(algorithm) else {
            throw JOSEError(.algorithmNotAllowed, "algorithm \(algorithm.rawValue) is not in the allow-list")
        }
        return (algorithm, scheme)
    }

    /// Whether `jwk` may be used for `algorithm` (type, curve, `alg`, `use`, `key_ops`).
    static func checkKey(_ jwk: JWK, fits algorithm: JWSAlgorithm, scheme: SignatureScheme) throws {
        if let use = jwk.use, use != "sig" {
            throw JOSEError.keyMismatch("key use is not sig")
        }
        if let operations = jwk.keyOperations, !operations.contains("verify") {
            throw JOSEError.keyMismatch("key_ops does not include verify")
        }
        if let keyAlgorithm = jwk.alg, keyAlgorithm != algorithm.rawValue {
            throw JOSEError.keyMismatch("key is for a different algorithm than the token's \(algorithm.rawValue)")
        }
        switch scheme.keyType {
        case .rsa:
            guard jwk.kty == "RSA" else { throw JOSEError.keyMismatch("\(algorithm.rawValue) needs an RSA key") }
        case .ec(let curve):
            guard jwk.kty == "EC" else { throw JOSEError.keyMismatch("\(algorithm.rawValue) needs an EC key") }
            guard jwk.crv == curve.jwkName else {
                throw JOSEError.keyMismatch("\(algorithm.rawValue) needs curve \(curve.jwkName)")
            }
        }
    }

    /// Verifies `jws` with a key given as a JWK.
    /// - Throws: ``JOSEError`` of kind `algorithmNotAllowed`, `unsupportedAlgorithm`,
    ///   `keyMismatch`, `invalidKey`, `malformed` (bad JWK members) or `badSignature`.
    public func verify(_ jws: CompactJWS, key jwk: JWK) throws {
        let (algorithm, scheme) = try scheme(for: jws)
        try JWSVerifier.checkKey(jwk, fits: algorithm, scheme: scheme)
        try verifySignature(jws, key: PublicKey(jwk: jwk), scheme: scheme)
    }

    /// Verifies `jws` with an already imported key (lets callers cache imported JWKS keys).
    public func verify(_ jws: CompactJWS, key: PublicKey) throws {
        let (algorithm, scheme) = try scheme(for: jws)
        try JWSVerifier.checkKey(key.jwk, fits: algorithm, scheme: scheme)
        try verifySignature(jws, key: key, scheme: scheme)
    }

    /// Verifies `jws` against a key set: the keys with the header's `kid` (all keys when the
    /// header has none) that fit the algorithm are tried in order.
    /// - Throws: kind ``JOSEError/Kind/unknownKeyID`` when no key carries the `kid` (the caller
    ///   may refetch the JWKS once), `keyMismatch` when keys exist but none fits the algorithm,
    ///   otherwise as ``verify(_:key:)-(_,JWK)``.
    public func verify(_ jws: CompactJWS, keySet: JWKSet) throws {
        let (algorithm, scheme) = try scheme(for: jws)
        let named = keySet.keys(withID: jws.header.keyID)
        guard !named.isEmpty else {
            throw JOSEError(.unknownKeyID, jws.header.keyID == nil ? "key set is empty" : "no key with the token's kid")
        }
        let fitting = named.filter { (try? JWSVerifier.checkKey($0, fits: algorithm, scheme: scheme)) != nil }
        guard !fitting.isEmpty else {
            throw JOSEError.keyMismatch("no key in the set fits algorithm \(algorithm.rawValue)")
        }
        var lastError = JOSEError(.badSignature, "signature does not verify")
        for jwk in fitting {
            do {
                try verifySignature(jws, key: PublicKey(jwk: jwk), scheme: scheme)
                return
            } catch let error as JOSEError {
                lastError = error
            }
        }
        throw lastError
    }

    private func verifySignature(_ jws: CompactJWS, key: PublicKey, scheme: SignatureScheme) throws {
        guard key.keyType == scheme.keyType else {
            throw JOSEError.keyMismatch("key type does not fit the algorithm")
        }
        guard try key.key.verify(jws.signature, message: jws.signingInput, scheme: scheme) else {
            throw JOSEError(.badSignature, "signature does not verify")
        }
    }
}
