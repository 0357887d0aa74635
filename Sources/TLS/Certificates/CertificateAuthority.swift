import COpenSSL
import Foundation
import Sockets

/// A certificate authority for tests and the mock provider: a self-signed CA certificate and
/// its key, issuing server and client certificates (EC P-256, SHA-256).
///
/// ```swift
/// let ca = try CertificateAuthority.generate(commonName: "ciba-agi test CA")
/// let server = try ca.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1", "::1"])
/// let client = try ca.issueClientCertificate(commonName: "demo-client")
/// let expired = try ca.issueServerCertificate(dnsNames: ["localhost"], validity: .expired)
/// ```
///
/// Not a production CA: no revocation, no name constraints, keys in memory.
public struct CertificateAuthority: Sendable {
    /// The CA certificate and key.
    public let identity: CertificateAndKey
    /// The CA certificate as PEM (what clients put in their trust store / `caFile`).
    public var certificatePEM: String { identity.certificatePEM }

    /// A new CA: basicConstraints critical CA:TRUE (path length 0), keyUsage keyCertSign and cRLSign.
    public static func generate(
        commonName: String = "ciba-agi test CA", organization: String? = "ciba-agi", validity: CertificateValidity = .days(3650)
    ) throws -> CertificateAuthority {
        let key = try X509Builder.generateKey()
        defer { EVP_PKEY_free(key) }
        let template = X509Builder.Template(
            subject: Self.subject(commonName: commonName, organization: organization), validity: validity,
            extensions: [
                (NID_basic_constraints, "critical,CA:TRUE,pathlen:0"),
                (NID_key_usage, "critical,keyCertSign,cRLSign"),
                (NID_subject_key_identifier, "hash"),
            ])
        let x509 = try X509Builder.build(template, subjectKey: key, issuer: nil, issuerKey: key)
        defer { X509_free(x509) }
        return try CertificateAuthority(
            identity: CertificateAndKey(certificatePEM: try PEMCoding.certificatePEM(x509), privateKeyPEM: try PEMCoding.privateKeyPEM(key)))
    }

    /// Loads a CA written earlier; throws `TLSError.configuration` when the PEM is unusable or
    /// the key does not belong to the certificate.
    public init(identity: CertificateAndKey) throws {
        let x509 = try PEMCoding.readCertificate(identity.certificatePEM)
        defer { X509_free(x509) }
        let key = try PEMCoding.readPrivateKey(identity.privateKeyPEM)
        defer { EVP_PKEY_free(key) }
        guard X509_check_private_key(x509, key) == 1 else {
            _ = OpenSSLErrorQueue.drain()
            throw TLSError(.configuration, "the CA key does not belong to the CA certificate")
        }
        self.identity = identity
    }

    /// A server certificate (extendedKeyUsage serverAuth) for `dnsNames` and `ipAddresses`
    /// (subjectAltName; the common name is the first DNS name or IP).
    public func issueServerCertificate(
        dnsNames: [String], ipAddresses: [String] = [], validity: CertificateValidity = .days(825)
    ) throws -> CertificateAndKey {
        let names = try Self.subjectAltNames(dnsNames: dnsNames, ipAddresses: ipAddresses)
        return try issue(
            subject: Self.subject(commonName: dnsNames.first ?? ipAddresses.first ?? "server", organization: nil), validity: validity,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature,keyEncipherment"),
                (NID_ext_key_usage, "serverAuth"),
                (NID_subject_alt_name, names),
            ])
    }

    /// A client certificate (extendedKeyUsage clientAuth) with subject `CN=commonName[,O=organization]`.
    public func issueClientCertificate(
        commonName: String, organization: String? = nil, validity: CertificateValidity = .days(825)
    ) throws -> CertificateAndKey {
        try issue(
            subject: Self.subject(commonName: commonName, organization: organization), validity: validity,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "clientAuth"),
            ])
    }

    /// A self-signed client certificate (RFC 8705 `self_signed_tls_client_auth`), or, in tests,
    /// one no CA vouches for.
    public static func selfSignedClientCertificate(
        commonName: String, validity: CertificateValidity = .days(825)
    ) throws -> CertificateAndKey {
        let key = try X509Builder.generateKey()
        defer { EVP_PKEY_free(key) }
        let template = X509Builder.Template(
            subject: subject(commonName: commonName, organization: nil), validity: validity,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "clientAuth"),
            ])
        let x509 = try X509Builder.build(template, subjectKey: key, issuer: nil, issuerKey: key)
        defer { X509_free(x509) }
        return CertificateAndKey(certificatePEM: try PEMCoding.certificatePEM(x509), privateKeyPEM: try PEMCoding.privateKeyPEM(key))
    }

    // MARK: - Internals

    private func issue(
        subject: [(field: String, value: String)], validity: CertificateValidity, extensions: [(nid: Int32, value: String)]
    ) throws -> CertificateAndKey {
        let caCertificate = try PEMCoding.readCertificate(identity.certificatePEM)
        defer { X509_free(caCertificate) }
        let caKey = try PEMCoding.readPrivateKey(identity.privateKeyPEM)
        defer { EVP_PKEY_free(caKey) }
        let key = try X509Builder.generateKey()
        defer { EVP_PKEY_free(key) }
        let template = X509Builder.Template(
            subject: subject, validity: validity,
            extensions: extensions + [(NID_subject_key_identifier, "hash"), (NID_authority_key_identifier, "keyid:always")])
        let x509 = try X509Builder.build(template, subjectKey: key, issuer: caCertificate, issuerKey: caKey)
        defer { X509_free(x509) }
        return CertificateAndKey(certificatePEM: try PEMCoding.certificatePEM(x509), privateKeyPEM: try PEMCoding.privateKeyPEM(key))
    }

    private static func subject(commonName: String, organization: String?) -> [(field: String, value: String)] {
        var fields: [(field: String, value: String)] = []
        if let organization { fields.append(("O", organization)) }
        fields.append(("CN", commonName))
        return fields
    }

    /// `DNS:localhost,IP:127.0.0.1,IP:::1`, checked so no name can inject another entry.
    private static func subjectAltNames(dnsNames: [String], ipAddresses: [String]) throws -> String {
        guard !dnsNames.isEmpty || !ipAddresses.isEmpty else { throw TLSError(.configuration, "a server certificate needs a DNS name or an IP address") }
        var entries: [String] = []
        for name in dnsNames {
            let allowed = name.utf8.allSatisfy { c in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2E || c == 0x2A
            }
            guard !name.isEmpty, allowed else { throw TLSError(.configuration, "'\(name)' is not a DNS name") }
            entries.append("DNS:\(name)")
        }
        for address in ipAddresses {
            guard let ip = IPAddress(parsing: address) else { throw TLSError(.configuration, "'\(address)' is not an IP address") }
            entries.append("IP:\(ip)")
        }
        return entries.joined(separator: ",")
    }
}
