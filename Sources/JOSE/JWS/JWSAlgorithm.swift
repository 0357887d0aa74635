/// A JWS `alg` value (RFC 7518 §3.1).
///
/// An open set (any string can appear in a hostile header), with constants for the names
/// this module knows. Knowing a name does not mean accepting it: `none` and the HMAC
/// family are never verified by ``JWSVerifier``.
public struct JWSAlgorithm: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public static let rs256 = JWSAlgorithm(rawValue: "RS256")
    public static let rs384 = JWSAlgorithm(rawValue: "RS384")
    public static let rs512 = JWSAlgorithm(rawValue: "RS512")
    public static let ps256 = JWSAlgorithm(rawValue: "PS256")
    public static let ps384 = JWSAlgorithm(rawValue: "PS384")
    public static let ps512 = JWSAlgorithm(rawValue: "PS512")
    public static let es256 = JWSAlgorithm(rawValue: "ES256")
    public static let es384 = JWSAlgorithm(rawValue: "ES384")
    public static let hs256 = JWSAlgorithm(rawValue: "HS256")
    public static let hs384 = JWSAlgorithm(rawValue: "HS384")
    public static let hs512 = JWSAlgorithm(rawValue: "HS512")
    public static let none = JWSAlgorithm(rawValue: "none")

    /// Every asymmetric algorithm this module can verify.
    public static let asymmetric: Set<JWSAlgorithm> = [.rs256, .rs384, .rs512, .ps256, .ps384, .ps512, .es256, .es384]

    /// True for `none` and every `HS*` name: algorithms that are never acceptable for ID tokens
    /// (no signature at all, or a shared secret an attacker may know, e.g. the public key bytes).
    public var isForbidden: Bool {
        rawValue.lowercased() == "none" || rawValue.uppercased().hasPrefix("HS")
    }

    public var description: String { rawValue }
}

/// How an asymmetric algorithm is computed; internal dispatch for sign/verify.
enum SignatureScheme: Sendable, Equatable {
    case rsaPKCS1(DigestAlgorithm)
    case rsaPSS(DigestAlgorithm)
    case ecdsa(DigestAlgorithm, ECCurve)

    init(_ algorithm: JWSAlgorithm) throws {
        switch algorithm {
        case .rs256: self = .rsaPKCS1(.sha256)
        case .rs384: self = .rsaPKCS1(.sha384)
        case .rs512: self = .rsaPKCS1(.sha512)
        case .ps256: self = .rsaPSS(.sha256)
        case .ps384: self = .rsaPSS(.sha384)
        case .ps512: self = .rsaPSS(.sha512)
        case .es256: self = .ecdsa(.sha256, .p256)
        case .es384: self = .ecdsa(.sha384, .p384)
        default:
            throw JOSEError(.unsupportedAlgorithm, "algorithm is not supported")
        }
    }

    var keyType: KeyType {
        switch self {
        case .rsaPKCS1, .rsaPSS: return .rsa
        case .ecdsa(_, let curve): return .ec(curve)
        }
    }

    var digest: DigestAlgorithm {
        switch self {
        case .rsaPKCS1(let digest), .rsaPSS(let digest), .ecdsa(let digest, _): return digest
        }
    }
}

/// Hash functions used by the supported algorithms.
enum DigestAlgorithm: Sendable, Equatable {
    case sha256, sha384, sha512

    var outputLength: Int {
        switch self {
        case .sha256: return 32
        case .sha384: return 48
        case .sha512: return 64
        }
    }
}
