import COpenSSL
import Foundation

/// Builds and signs X.509 v3 certificates with OpenSSL's C API: the one place that knows the
/// OpenSSL calls, so `CertificateAuthority` reads as policy (which extensions for which use).
enum X509Builder {
    struct Template {
        var subject: [(field: String, value: String)]
        var validity: CertificateValidity
        /// `(NID, OpenSSL config value)`, e.g. `(NID_basic_constraints, "critical,CA:TRUE")`, in order.
        var extensions: [(nid: Int32, value: String)]
    }

    /// A fresh EC P-256 key (fast to make, accepted by every TLS stack). Free with `EVP_PKEY_free`.
    static func generateKey() throws -> OpaquePointer {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, ciba_key_type_ec(), nil) else {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot create an EC key context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, ciba_curve_p256()) == 1,
              EVP_PKEY_generate(context, &key) == 1, let key else {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot generate an EC P-256 key")
        }
        return key
    }

    /// A certificate for `subjectKey`, signed by `issuerKey`; self-signed when `issuer` is nil.
    /// Free with `X509_free`.
    static func build(_ template: Template, subjectKey: OpaquePointer, issuer: OpaquePointer?, issuerKey: OpaquePointer) throws -> OpaquePointer {
        guard let x509 = X509_new() else { throw OpenSSLErrorQueue.error(.internalFailure, "cannot allocate a certificate") }
        do {
            try configure(x509, template, subjectKey: subjectKey, issuer: issuer)
            guard X509_sign(x509, issuerKey, EVP_sha256()) > 0 else {
                throw OpenSSLErrorQueue.error(.internalFailure, "cannot sign the certificate")
            }
            return x509
        } catch {
            X509_free(x509)
            throw error
        }
    }

    private static func configure(_ x509: OpaquePointer, _ template: Template, subjectKey: OpaquePointer, issuer: OpaquePointer?) throws {
        guard X509_set_version(x509, 2) == 1 else { throw OpenSSLErrorQueue.error(.internalFailure, "cannot set the certificate version") }
        try setRandomSerial(x509)
        guard ASN1_TIME_set(X509_getm_notBefore(x509), time_t(template.validity.notBefore.timeIntervalSince1970)) != nil,
              ASN1_TIME_set(X509_getm_notAfter(x509), time_t(template.validity.notAfter.timeIntervalSince1970)) != nil else {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot set the validity period")
        }
        let name = X509_get_subject_name(x509)
        for (field, value) in template.subject {
            let bytes = Array(value.utf8)
            guard X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, bytes, Int32(bytes.count), -1, 0) == 1 else {
                throw OpenSSLErrorQueue.error(.configuration, "cannot use '\(value)' as the certificate's \(field)")
            }
        }
        let issuerName = issuer.map { X509_get_subject_name($0) } ?? name
        guard X509_set_issuer_name(x509, issuerName) == 1, X509_set_pubkey(x509, subjectKey) == 1 else {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot set the issuer or the public key")
        }
        var extensionContext = X509V3_CTX()
        X509V3_set_ctx(&extensionContext, issuer ?? x509, x509, nil, nil, 0)
        for (nid, value) in template.extensions {
            guard let ext = X509V3_EXT_conf_nid(nil, &extensionContext, nid, value) else {
                throw OpenSSLErrorQueue.error(.configuration, "cannot build the certificate extension '\(value)'")
            }
            defer { X509_EXTENSION_free(ext) }
            guard X509_add_ext(x509, ext, -1) == 1 else { throw OpenSSLErrorQueue.error(.internalFailure, "cannot add a certificate extension") }
        }
    }

    /// 127 random bits: unique without bookkeeping, positive as RFC 5280 wants.
    private static func setRandomSerial(_ x509: OpaquePointer) throws {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else { throw OpenSSLErrorQueue.error(.internalFailure, "no random bytes for a serial number") }
        bytes[0] &= 0x7F
        bytes[0] |= 0x01  // never a leading zero byte
        guard let number = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw OpenSSLErrorQueue.error(.internalFailure, "cannot make a serial number") }
        defer { BN_free(number) }
        guard let serial = BN_to_ASN1_INTEGER(number, nil) else { throw OpenSSLErrorQueue.error(.internalFailure, "cannot make a serial number") }
        defer { ASN1_INTEGER_free(serial) }
        guard X509_set_serialNumber(x509, serial) == 1 else { throw OpenSSLErrorQueue.error(.internalFailure, "cannot set the serial number") }
    }
}
