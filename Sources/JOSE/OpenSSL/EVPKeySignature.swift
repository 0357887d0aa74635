import COpenSSL

/// Raw sign/verify with `EVP_DigestSign`/`EVP_DigestVerify`; each call owns its contexts.
extension EVPKey {
    private static func messageDigest(_ digest: DigestAlgorithm) -> OpaquePointer? {
        switch digest {
        case .sha256: return EVP_sha256()
        case .sha384: return EVP_sha384()
        case .sha512: return EVP_sha512()
        }
    }

    /// Creates a digest context initialised for signing or verifying under `scheme`,
    /// with PSS parameters (MGF1 with the same hash, salt length = hash length) where needed.
    private func withDigestContext<T>(_ scheme: SignatureScheme, signing: Bool,
                                      _ body: (OpaquePointer) throws -> T) throws -> T {
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLErrors.error(.crypto, "cannot allocate a digest context") }
        defer { EVP_MD_CTX_free(context) }
        let digest = EVPKey.messageDigest(scheme.digest)
        var keyContext: OpaquePointer?
        let initialised = signing
            ? EVP_DigestSignInit(context, &keyContext, digest, nil, pointer)
            : EVP_DigestVerifyInit(context, &keyContext, digest, nil, pointer)
        guard initialised == 1, let keyContext else {
            throw OpenSSLErrors.error(.crypto, "cannot initialise the signature operation")
        }
        if case .rsaPSS = scheme {
            guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) == 1,
                  EVP_PKEY_CTX_set_rsa_mgf1_md(keyContext, digest) == 1,
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, Int32(scheme.digest.outputLength)) == 1 else {
                throw OpenSSLErrors.error(.crypto, "cannot configure RSA-PSS")
            }
        } else if case .rsaPKCS1 = scheme {
            guard EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PADDING) == 1 else {
                throw OpenSSLErrors.error(.crypto, "cannot configure RSA PKCS#1 v1.5")
            }
        }
        return try body(context)
    }

    /// Signs `message`; for ECDSA the result is JOSE's fixed-length `r || s`, not DER.
    func sign(_ message: [UInt8], scheme: SignatureScheme) throws -> [UInt8] {
        let signature: [UInt8] = try withDigestContext(scheme, signing: true) { context in
            var length = 0
            guard EVP_DigestSign(context, nil, &length, message, message.count) == 1, length > 0 else {
                throw OpenSSLErrors.error(.crypto, "cannot size the signature")
            }
            var output = [UInt8](repeating: 0, count: length)
            guard EVP_DigestSign(context, &output, &length, message, message.count) == 1 else {
                throw OpenSSLErrors.error(.crypto, "signing failed")
            }
            return Array(output.prefix(length))
        }
        if case .ecdsa(_, let curve) = scheme {
            return try ECDSASignature.rawFromDER(signature, coordinateLength: curve.coordinateLength)
        }
        return signature
    }

    /// Verifies a JOSE signature over `message`. Returns `false` for any signature that does not
    /// verify (wrong length, malformed, wrong key); throws only for internal failures.
    func verify(_ signature: [UInt8], message: [UInt8], scheme: SignatureScheme) throws -> Bool {
        let encoded: [UInt8]
        switch scheme {
        case .ecdsa(_, let curve):
            guard signature.count == 2 * curve.coordinateLength,
                  let der = try ECDSASignature.derFromRaw(signature, coordinateLength: curve.coordinateLength) else {
                return false
            }
            encoded = der
        case .rsaPKCS1, .rsaPSS:
            guard signature.count == maximumSignatureSize else { return false }
            encoded = signature
        }
        let verified = try withDigestContext(scheme, signing: false) { context in
            EVP_DigestVerify(context, encoded, encoded.count, message, message.count)
        }
        // A failed verification leaves reasons on the queue; drop them so they cannot leak into later calls.
        ERR_clear_error()
        return verified == 1
    }
}
