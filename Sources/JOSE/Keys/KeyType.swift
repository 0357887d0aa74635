/// The elliptic curves supported for ES256/ES384.
enum ECCurve: Sendable, Equatable {
    case p256, p384

    /// The JWK `crv` name.
    var jwkName: String {
        switch self {
        case .p256: return "P-256"
        case .p384: return "P-384"
        }
    }

    /// The OpenSSL group name.
    var groupName: String {
        switch self {
        case .p256: return "prime256v1"
        case .p384: return "secp384r1"
        }
    }

    /// Bytes per coordinate (and per `r`/`s` half of a JOSE signature).
    var coordinateLength: Int {
        switch self {
        case .p256: return 32
        case .p384: return 48
        }
    }

    init?(jwkName: String) {
        switch jwkName {
        case "P-256": self = .p256
        case "P-384": self = .p384
        default: return nil
        }
    }

    /// Maps OpenSSL group names (short and NIST spellings) back to a curve.
    init?(groupName: String) {
        switch groupName {
        case "prime256v1", "P-256", "secp256r1": self = .p256
        case "secp384r1", "P-384": self = .p384
        default: return nil
        }
    }
}

/// The kind of an asymmetric key, as far as algorithm matching is concerned.
enum KeyType: Sendable, Equatable {
    case rsa
    case ec(ECCurve)

    var jwkKeyType: String {
        switch self {
        case .rsa: return "RSA"
        case .ec: return "EC"
        }
    }
}

/// Limits on RSA modulus size: below 2048 bits is breakable or close to it; above 8192 bits
/// only serves to make verification slow (a denial-of-service lever for hostile JWKS).
enum RSAKeyLimits {
    static let minimumBits = 2048
    static let maximumBits = 8192
}
