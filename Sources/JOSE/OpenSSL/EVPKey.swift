import COpenSSL

/// Owns one OpenSSL `EVP_PKEY*` and frees it exactly once.
///
/// `@unchecked Sendable` because an `EVP_PKEY` is never mutated after we create it and
/// OpenSSL 3 documents keys as safe to share between threads for signing and verifying
/// as long as each operation uses its own `EVP_MD_CTX`/`EVP_PKEY_CTX` — which every method
/// here creates and frees locally.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Takes ownership of `pointer`.
    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// The key's type (RSA, or EC on a supported curve).
    /// - Throws: ``JOSEError/Kind/invalidKey`` for any other key type or curve.
    func keyType() throws -> KeyType {
        if EVP_PKEY_is_a(pointer, "RSA") == 1 {
            return .rsa
        }
        if EVP_PKEY_is_a(pointer, "EC") == 1 {
            var name = [CChar](repeating: 0, count: 80)
            var length = 0
            guard EVP_PKEY_get_utf8_string_param(pointer, OSSL_PKEY_PARAM_GROUP_NAME, &name, name.count, &length) == 1 else {
                throw OpenSSLErrors.error(.invalidKey, "EC key has no named curve")
            }
            let groupName = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let curve = ECCurve(groupName: groupName) else {
                throw JOSEError.invalidKey("EC curve is not supported (P-256 and P-384 are)")
            }
            return .ec(curve)
        }
        throw JOSEError.invalidKey("key type is not supported (RSA and EC are)")
    }

    /// Size of the key in bits (RSA modulus or EC field size).
    var bits: Int { Int(EVP_PKEY_get_bits(pointer)) }

    /// Maximum signature size in bytes (the modulus length for RSA).
    var maximumSignatureSize: Int { Int(EVP_PKEY_get_size(pointer)) }

    /// Checks the policy every usable key must meet: supported type and curve, RSA size in range.
    @discardableResult
    func validatedKeyType() throws -> KeyType {
        let type = try keyType()
        if type == .rsa {
            guard bits >= RSAKeyLimits.minimumBits else {
                throw JOSEError.invalidKey("RSA key has \(bits) bits, at least \(RSAKeyLimits.minimumBits) required")
            }
            guard bits <= RSAKeyLimits.maximumBits else {
                throw JOSEError.invalidKey("RSA key has \(bits) bits, at most \(RSAKeyLimits.maximumBits) accepted")
            }
            // The same modulus/exponent rules as a JWK import, so a key from PEM (public or
            // private) is accepted exactly when its exported JWK is: OpenSSL itself loads an even
            // exponent (found by the jose fuzz target: 65578).
            try PublicKey.checkRSAComponents(modulus: try bigNumberParameter("n"), exponent: try bigNumberParameter("e"))
        }
        return type
    }

    /// Reads a big-number parameter (`n`, `e`, `qx`, `qy`) as big-endian bytes, left-padded to `length` if given.
    func bigNumberParameter(_ name: String, paddedTo length: Int? = nil) throws -> [UInt8] {
        var number: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pointer, name, &number) == 1, let number else {
            throw OpenSSLErrors.error(.crypto, "cannot read a public key parameter")
        }
        defer { BN_free(number) }
        let natural = Int((BN_num_bits(number) + 7) / 8)
        let size = max(length ?? natural, natural, 1)
        var bytes = [UInt8](repeating: 0, count: size)
        guard BN_bn2binpad(number, &bytes, Int32(size)) == Int32(size) else {
            throw OpenSSLErrors.error(.crypto, "cannot export a public key parameter")
        }
        if length == nil, natural == 0 { return [0] }
        return bytes
    }

    /// Runs an OpenSSL public-key validation (for EC: point on the curve, not infinity, right order).
    func checkPublicKey() throws {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil) else {
            throw OpenSSLErrors.error(.crypto, "cannot allocate a key context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_public_check(context) == 1 else {
            throw OpenSSLErrors.error(.invalidKey, "public key failed validation")
        }
    }

    /// Checks that the public half of a private key belongs to its private half. A PEM key
    /// file (SEC1 especially) stores both; when they disagree every signature made with the
    /// key fails to verify against the JWK published for it.
    func checkKeyPair() throws {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil) else {
            throw OpenSSLErrors.error(.crypto, "cannot allocate a key context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_pairwise_check(context) == 1 else {
            throw OpenSSLErrors.error(.invalidKey, "the private key's public half does not belong to it (damaged key file?)")
        }
    }
}
