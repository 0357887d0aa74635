import COpenSSL

/// Creating `EVP_PKEY`s from raw public components with the OpenSSL 3 provider APIs
/// (`OSSL_PARAM_BLD` + `EVP_PKEY_fromdata`), no deprecated `RSA_*`/`EC_KEY_*` calls.
extension EVPKey {
    /// An RSA public key from big-endian modulus and exponent.
    static func rsaPublicKey(modulus: [UInt8], exponent: [UInt8]) throws -> EVPKey {
        guard let builder = OSSL_PARAM_BLD_new() else { throw OpenSSLErrors.error(.crypto, "cannot allocate a parameter builder") }
        defer { OSSL_PARAM_BLD_free(builder) }
        guard let n = BN_bin2bn(modulus, Int32(modulus.count), nil) else { throw OpenSSLErrors.error(.crypto, "cannot allocate a big number") }
        defer { BN_free(n) }
        guard let e = BN_bin2bn(exponent, Int32(exponent.count), nil) else { throw OpenSSLErrors.error(.crypto, "cannot allocate a big number") }
        defer { BN_free(e) }
        // The builder keeps pointers to names and big numbers until `to_param`: static names, BNs freed after.
        guard OSSL_PARAM_BLD_push_BN(builder, ciba_param_rsa_n(), n) == 1,
              OSSL_PARAM_BLD_push_BN(builder, ciba_param_rsa_e(), e) == 1 else {
            throw OpenSSLErrors.error(.crypto, "cannot build RSA parameters")
        }
        return try fromParameters(builder: builder, algorithm: ciba_key_type_rsa(), what: "RSA public key")
    }

    /// An EC public key from its affine coordinates (each exactly the curve's coordinate length).
    /// OpenSSL refuses points that are not on the curve; ``checkPublicKey()`` re-checks.
    static func ecPublicKey(curve: ECCurve, x: [UInt8], y: [UInt8]) throws -> EVPKey {
        guard let builder = OSSL_PARAM_BLD_new() else { throw OpenSSLErrors.error(.crypto, "cannot allocate a parameter builder") }
        defer { OSSL_PARAM_BLD_free(builder) }
        let point: [UInt8] = [0x04] + x + y
        // The builder keeps pointers to the group string and point buffer until `to_param`
        // (inside `fromParameters`), so both stay borrowed for the whole import.
        return try curve.groupName.withCString { group in
            try point.withUnsafeBytes { pointBytes in
                guard OSSL_PARAM_BLD_push_utf8_string(builder, ciba_param_group_name(), group, 0) == 1,
                      OSSL_PARAM_BLD_push_octet_string(builder, ciba_param_public_key(), pointBytes.baseAddress, pointBytes.count) == 1 else {
                    throw OpenSSLErrors.error(.crypto, "cannot build EC parameters")
                }
                return try fromParameters(builder: builder, algorithm: ciba_key_type_ec(), what: "EC public key (point not on the curve?)")
            }
        }
    }

    private static func fromParameters(builder: OpaquePointer, algorithm: UnsafePointer<CChar>, what: String) throws -> EVPKey {
        guard let parameters = OSSL_PARAM_BLD_to_param(builder) else {
            throw OpenSSLErrors.error(.crypto, "cannot build key parameters")
        }
        defer { OSSL_PARAM_free(parameters) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else {
            throw OpenSSLErrors.error(.crypto, "cannot allocate a key context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_fromdata_init(context) == 1 else { throw OpenSSLErrors.error(.crypto, "cannot initialise key import") }
        var key: OpaquePointer?
        guard EVP_PKEY_fromdata(context, &key, ciba_evp_pkey_public_key_selection(), parameters) == 1, let key else {
            throw OpenSSLErrors.error(.invalidKey, "OpenSSL rejected the \(what)")
        }
        return EVPKey(owning: key)
    }

    /// Generates a fresh RSA key pair.
    static func generateRSA(bits: Int) throws -> EVPKey {
        try generate(algorithm: ciba_key_type_rsa()) { context in
            EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1
        }
    }

    /// Generates a fresh EC key pair on `curve`.
    static func generateEC(curve: ECCurve) throws -> EVPKey {
        try generate(algorithm: ciba_key_type_ec()) { context in
            EVP_PKEY_CTX_set_group_name(context, curve.groupName) == 1
        }
    }

    private static func generate(algorithm: UnsafePointer<CChar>, configure: (OpaquePointer) -> Bool) throws -> EVPKey {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else {
            throw OpenSSLErrors.error(.crypto, "cannot allocate a key context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1, configure(context) else {
            throw OpenSSLErrors.error(.crypto, "cannot initialise key generation")
        }
        var key: OpaquePointer?
        guard EVP_PKEY_generate(context, &key) == 1, let key else {
            throw OpenSSLErrors.error(.crypto, "key generation failed")
        }
        return EVPKey(owning: key)
    }
}
