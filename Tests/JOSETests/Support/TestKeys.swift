import JOSE

/// Keys generated once per test process (RSA generation is slow-ish).
enum TestKeys {
    static let rsa: Result<PrivateKey, JOSEError> = Result { try PrivateKey.generateRSA(bits: 2048) }.mapError { ($0 as? JOSEError) ?? JOSEError(.crypto, "\($0)") }
    static let p256: Result<PrivateKey, JOSEError> = Result { try PrivateKey.generateP256() }.mapError { ($0 as? JOSEError) ?? JOSEError(.crypto, "\($0)") }
    static let p384: Result<PrivateKey, JOSEError> = Result { try PrivateKey.generateP384() }.mapError { ($0 as? JOSEError) ?? JOSEError(.crypto, "\($0)") }

    /// The private key suited to `algorithm`.
    static func key(for algorithm: JWSAlgorithm) throws -> PrivateKey {
        switch algorithm {
        case .es256: return try p256.get()
        case .es384: return try p384.get()
        default: return try rsa.get()
        }
    }
}
