/// The single error type thrown by the JOSE module.
///
/// Follows the jwt-kit pattern: a struct with a ``Kind`` (stable, comparable, for program
/// logic) and a human-readable ``reason``. Reasons are written so they are safe to log:
/// they never contain a token, a signature, key material or claim values — only structural
/// facts such as "header is not a JSON object" or "RSA key has 1024 bits, at least 2048 required".
public struct JOSEError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarse-grained, for callers that map errors to outcomes.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// A stable short identifier (`malformed`, `bad_signature`, ...).
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The input is not well-formed (base64url, JSON, compact serialization, PEM, DER).
        public static let malformed = Kind("malformed")
        /// The algorithm name is not one this module implements.
        public static let unsupportedAlgorithm = Kind("unsupported_algorithm")
        /// The algorithm is implemented but not allowed by the verifier's policy (or never allowed: `none`, HMAC).
        public static let algorithmNotAllowed = Kind("algorithm_not_allowed")
        /// The key does not fit the algorithm (`kty`, `crv`, `alg` or `use` mismatch).
        public static let keyMismatch = Kind("key_mismatch")
        /// No key in the key set carries the token's `kid` (callers may refetch the JWKS once).
        public static let unknownKeyID = Kind("unknown_key_id")
        /// The signature does not verify (including wrong signature length).
        public static let badSignature = Kind("bad_signature")
        /// The key itself is unacceptable (too small, not on the curve, encrypted PEM, missing parameters).
        public static let invalidKey = Kind("invalid_key")
        /// OpenSSL failed for a reason unrelated to the input (allocation, internal error).
        public static let crypto = Kind("crypto")

        public var description: String { name }
    }

    /// The coarse error kind.
    public let kind: Kind
    /// A log-safe explanation (never contains token or key bytes).
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "JOSEError(\(kind.name)): \(reason)" }

    static func malformed(_ reason: String) -> JOSEError { JOSEError(.malformed, reason) }
    static func invalidKey(_ reason: String) -> JOSEError { JOSEError(.invalidKey, reason) }
    static func keyMismatch(_ reason: String) -> JOSEError { JOSEError(.keyMismatch, reason) }
    static func crypto(_ reason: String) -> JOSEError { JOSEError(.crypto, reason) }
}
