/// A public JSON Web Key (RFC 7517) for RSA or EC signatures.
///
/// Only public members are modelled. Private members (`d`, `p`, `q`, ...) in input are
/// ignored when decoding and never encoded, so a `JWK` value can always be published.
/// Members are stored as sent; ``PublicKey/init(jwk:)`` does the validation (sizes, curve
/// membership) and ``JWSVerifier`` checks that the key fits the algorithm.
public struct JWK: Sendable, Codable, Equatable, Hashable {
    /// Key type: `RSA` or `EC` (others are carried but cannot be used).
    public var kty: String
    /// Key ID.
    public var kid: String?
    /// Intended use; if present it must be `sig` for verification.
    public var use: String?
    /// The one algorithm this key is meant for, if the publisher restricts it.
    public var alg: String?
    /// RSA modulus, base64url big-endian.
    public var n: String?
    /// RSA public exponent, base64url big-endian.
    public var e: String?
    /// EC curve name (`P-256`, `P-384`).
    public var crv: String?
    /// EC x coordinate, base64url, exactly the curve's coordinate length.
    public var x: String?
    /// EC y coordinate, base64url, exactly the curve's coordinate length.
    public var y: String?
    /// `key_ops`, if present (kept for round-tripping).
    public var keyOperations: [String]?

    public init(kty: String, kid: String? = nil, use: String? = nil, alg: String? = nil,
                n: String? = nil, e: String? = nil, crv: String? = nil, x: String? = nil, y: String? = nil,
                keyOperations: [String]? = nil) {
        self.kty = kty
        self.kid = kid
        self.use = use
        self.alg = alg
        self.n = n
        self.e = e
        self.crv = crv
        self.x = x
        self.y = y
        self.keyOperations = keyOperations
    }

    enum CodingKeys: String, CodingKey {
        case kty, kid, use, alg, n, e, crv, x, y
        case keyOperations = "key_ops"
    }

    /// Builds a JWK from a parsed JSON object (e.g. one member of a JWKS fetched over HTTP).
    /// - Throws: ``JOSEError/Kind/malformed`` when `kty` is missing or a member has the wrong JSON type.
    public init(json object: [String: JSONValue]) throws {
        func string(_ name: String) throws -> String? {
            guard let value = object[name] else { return nil }
            guard let text = value.stringValue else { throw JOSEError.malformed("JWK member \(name) is not a string") }
            return text
        }
        guard let kty = try string("kty") else { throw JOSEError.malformed("JWK has no kty") }
        var operations: [String]?
        if let ops = object["key_ops"] {
            guard let list = ops.arrayValue else { throw JOSEError.malformed("JWK key_ops is not an array") }
            operations = try list.map {
                guard let text = $0.stringValue else { throw JOSEError.malformed("JWK key_ops lists a non-string") }
                return text
            }
        }
        self.init(kty: kty, kid: try string("kid"), use: try string("use"), alg: try string("alg"),
                  n: try string("n"), e: try string("e"), crv: try string("crv"), x: try string("x"), y: try string("y"),
                  keyOperations: operations)
    }

    /// The JWK as a JSON object (public members only).
    public var json: [String: JSONValue] {
        var object: [String: JSONValue] = ["kty": .string(kty)]
        let members: [(String, String?)] = [("kid", kid), ("use", use), ("alg", alg), ("n", n), ("e", e),
                                            ("crv", crv), ("x", x), ("y", y)]
        for (name, value) in members {
            if let value { object[name] = .string(value) }
        }
        if let keyOperations { object["key_ops"] = .array(keyOperations.map { .string($0) }) }
        return object
    }
}
