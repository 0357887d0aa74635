/// The protected header of a compact JWS (RFC 7515 §4).
///
/// Only structural facts are extracted; every member stays available in ``fields``.
/// Note that `jwk`, `jku`, `x5u` and `x5c` may be present but are never used to find a
/// verification key: a key named by the token itself proves nothing.
public struct JWSHeader: Sendable, Equatable {
    /// The `alg` member, exactly as sent (it may name an algorithm we refuse).
    public var algorithm: String
    /// The `kid` member, if it is a string.
    public var keyID: String?
    /// The `typ` member, if it is a string.
    public var type: String?
    /// All header members.
    public var fields: [String: JSONValue]

    public init(algorithm: String, keyID: String? = nil, type: String? = nil, fields: [String: JSONValue] = [:]) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.type = type
        var all = fields
        all["alg"] = .string(algorithm)
        if let keyID { all["kid"] = .string(keyID) }
        if let type { all["typ"] = .string(type) }
        self.fields = all
    }

    /// The header's algorithm as a ``JWSAlgorithm`` value (not necessarily supported).
    public var jwsAlgorithm: JWSAlgorithm { JWSAlgorithm(rawValue: algorithm) }

    /// Header parameters this module understands when listed in `crit` (none: we implement no extensions).
    static let understoodCriticalParameters: Set<String> = []

    /// Validates a decoded header object: `alg` must be a string, `kid`/`typ` strings if present,
    /// `crit` (if present) an array of strings naming only understood parameters that are present.
    init(validating object: [String: JSONValue]) throws {
        guard let alg = object["alg"] else { throw JOSEError.malformed("header has no alg") }
        guard let algorithm = alg.stringValue, !algorithm.isEmpty else {
            throw JOSEError.malformed("header alg is not a non-empty string")
        }
        var keyID: String?
        if let kid = object["kid"] {
            guard let value = kid.stringValue else { throw JOSEError.malformed("header kid is not a string") }
            keyID = value
        }
        var type: String?
        if let typ = object["typ"] {
            guard let value = typ.stringValue else { throw JOSEError.malformed("header typ is not a string") }
            type = value
        }
        if let crit = object["crit"] {
            guard let names = crit.arrayValue else { throw JOSEError.malformed("header crit is not an array") }
            for name in names {
                guard let parameter = name.stringValue else { throw JOSEError.malformed("header crit lists a non-string") }
                guard JWSHeader.understoodCriticalParameters.contains(parameter) else {
                    throw JOSEError.malformed("header crit names an extension that is not understood")
                }
            }
        }
        self.algorithm = algorithm
        self.keyID = keyID
        self.type = type
        self.fields = object
    }
}
