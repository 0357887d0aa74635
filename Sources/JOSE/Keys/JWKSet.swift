/// A JWK Set (RFC 7517 §5), as served at a provider's `jwks_uri`.
public struct JWKSet: Sendable, Codable, Equatable {
    public var keys: [JWK]

    public init(keys: [JWK]) { self.keys = keys }

    /// The keys with the given `kid`; all keys when `keyID` is `nil`.
    public func keys(withID keyID: String?) -> [JWK] {
        guard let keyID else { return keys }
        return keys.filter { $0.kid == keyID }
    }

    /// Parses a JWKS document strictly.
    ///
    /// Members of `keys` that are not objects or lack `kty` make the whole set malformed;
    /// keys of unknown types are kept (they simply never match an algorithm).
    /// - Throws: ``JOSEError/Kind/malformed``.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> JWKSet {
        let value = try JSONValue.parse(bytes)
        guard let list = value["keys"]?.arrayValue else { throw JOSEError.malformed("JWKS has no keys array") }
        return JWKSet(keys: try list.map {
            guard let object = $0.objectValue else { throw JOSEError.malformed("JWKS member is not an object") }
            return try JWK(json: object)
        })
    }

    /// The JWKS as a JSON value (`{"keys": [...]}`).
    public var json: JSONValue {
        .object(["keys": .array(keys.map { .object($0.json) })])
    }
}
