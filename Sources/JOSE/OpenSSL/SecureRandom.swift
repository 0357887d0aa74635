import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's `RAND_bytes`
/// (for `jti`, nonces and identifiers that must not be guessable).
public enum SecureRandom {
    /// `count` random bytes.
    /// - Throws: ``JOSEError/Kind/crypto`` if the generator is not seeded (should not happen on Linux).
    public static func bytes(count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else {
            throw OpenSSLErrors.error(.crypto, "random generator failed")
        }
        return bytes
    }
}
