import COpenSSL

/// Conversion between JOSE's ECDSA signature format (RFC 7518 §3.4: `r || s`, each
/// left-padded to the curve's coordinate length) and the DER `ECDSA-Sig-Value` OpenSSL uses.
enum ECDSASignature {
    /// DER (from OpenSSL) → fixed-length `r || s`.
    static func rawFromDER(_ der: [UInt8], coordinateLength: Int) throws -> [UInt8] {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let parsed else { throw OpenSSLErrors.error(.crypto, "OpenSSL produced an unparsable ECDSA signature") }
        defer { ECDSA_SIG_free(parsed) }
        var r: OpaquePointer?
        var s: OpaquePointer?
        ECDSA_SIG_get0(parsed, &r, &s)
        guard let r, let s else { throw JOSEError.crypto("ECDSA signature without r or s") }
        var raw = [UInt8](repeating: 0, count: 2 * coordinateLength)
        let ok = raw.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return BN_bn2binpad(r, base, Int32(coordinateLength)) == Int32(coordinateLength)
                && BN_bn2binpad(s, base + coordinateLength, Int32(coordinateLength)) == Int32(coordinateLength)
        }
        guard ok else { throw JOSEError.crypto("ECDSA signature component too long") }
        return raw
    }

    /// Fixed-length `r || s` → DER for `EVP_DigestVerify`. `nil` if the input has the wrong length.
    static func derFromRaw(_ raw: [UInt8], coordinateLength: Int) throws -> [UInt8]? {
        guard raw.count == 2 * coordinateLength else { return nil }
        guard let signature = ECDSA_SIG_new() else { throw OpenSSLErrors.error(.crypto, "cannot allocate an ECDSA signature") }
        defer { ECDSA_SIG_free(signature) }
        guard let r = BN_bin2bn(raw, Int32(coordinateLength), nil) else {
            throw OpenSSLErrors.error(.crypto, "cannot allocate a big number")
        }
        let sBytes = Array(raw[coordinateLength...])
        guard let s = BN_bin2bn(sBytes, Int32(coordinateLength), nil) else {
            BN_free(r)
            throw OpenSSLErrors.error(.crypto, "cannot allocate a big number")
        }
        guard ECDSA_SIG_set0(signature, r, s) == 1 else {  // takes ownership of r and s on success
            BN_free(r)
            BN_free(s)
            throw OpenSSLErrors.error(.crypto, "cannot assemble an ECDSA signature")
        }
        let length = i2d_ECDSA_SIG(signature, nil)
        guard length > 0 else { throw OpenSSLErrors.error(.crypto, "cannot encode an ECDSA signature") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_ECDSA_SIG(signature, &cursor)
        }
        guard written == length else { throw OpenSSLErrors.error(.crypto, "cannot encode an ECDSA signature") }
        return der
    }
}
