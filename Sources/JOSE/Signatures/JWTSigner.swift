import Foundation

/// Signs JWTs in compact serialization (RS256/384/512, PS256/384/512, ES256, ES384 —
/// whatever the key supports).
///
/// The header is `{"alg", "kid"?, "typ"?}` and both header and claims use the deterministic
/// JSON encoding (sorted keys), so the same input always yields the same signing input.
public struct JWTSigner: Sendable {
    public let key: PrivateKey
    public let algorithm: JWSAlgorithm
    public let keyID: String?

    /// - Parameters:
    ///   - algorithm: defaults to the key's ``PrivateKey/defaultAlgorithm``; a mismatch with
    ///     the key surfaces as ``JOSEError/Kind/keyMismatch`` when signing.
    public init(key: PrivateKey, algorithm: JWSAlgorithm? = nil, keyID: String?) {
        self.key = key
        self.algorithm = algorithm ?? key.defaultAlgorithm
        self.keyID = keyID
    }

    /// Signs a claims set and returns the compact JWS.
    public func sign(claims: [String: JSONValue], type: String? = "JWT") throws -> String {
        try sign(payload: JSONValue.object(claims).encoded(), type: type)
    }

    /// Signs arbitrary payload bytes and returns the compact JWS.
    public func sign(payload: [UInt8], type: String? = "JWT", extraHeader: [String: JSONValue] = [:]) throws -> String {
        if algorithm.isForbidden {
            throw JOSEError(.algorithmNotAllowed, "refusing to sign with alg none or HMAC")
        }
        guard key.supportedAlgorithms.contains(algorithm) else {
            _ = try SignatureScheme(algorithm)
            throw JOSEError.keyMismatch("private key type does not fit algorithm \(algorithm.rawValue)")
        }
        var header = extraHeader
        header["alg"] = .string(algorithm.rawValue)
        if let keyID { header["kid"] = .string(keyID) }
        if let type { header["typ"] = .string(type) }
        let signingInput = Base64URL.encode(try JSONValue.object(header).encoded()) + "." + Base64URL.encode(payload)
        let signature = try key.sign(Array(signingInput.utf8), algorithm: algorithm)
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// Longest lifetime accepted for a client assertion (RFC 7523 practice; providers reject long ones).
    public static let maximumAssertionLifetime: TimeInterval = 300

    /// Signs a `private_key_jwt` client assertion (RFC 7523 §3, OpenID Connect Core §9):
    /// `iss` = `sub` = client id, `aud`, random `jti`, `iat`, `exp` = `iat` + `lifetime` (≤ 5 min).
    public func signClientAssertion(clientID: String, audience: String, now: Date = Date(),
                                    lifetime: TimeInterval = 120) throws -> String {
        guard lifetime > 0, lifetime <= JWTSigner.maximumAssertionLifetime else {
            throw JOSEError.malformed("client assertion lifetime must be between 0 and 300 seconds")
        }
        let issuedAt = now.timeIntervalSince1970.rounded(.down)
        let claims: [String: JSONValue] = [
            "iss": .string(clientID),
            "sub": .string(clientID),
            "aud": .string(audience),
            "jti": .string(Base64URL.encode(try SecureRandom.bytes(count: 16))),
            "iat": .number(issuedAt),
            "exp": .number(issuedAt + lifetime.rounded(.down)),
        ]
        return try sign(claims: claims, type: "JWT")
    }
}
