import COpenSSL
import Foundation

/// The facts of one X.509 certificate that applications check: the DER bytes, the subject and
/// issuer distinguished names, and the SHA-256 thumbprint.
///
/// RFC 8705 uses exactly these: `tls_client_auth` matches `subject` against the client's
/// registered `tls_client_auth_subject_dn`, `self_signed_tls_client_auth` and certificate-bound
/// tokens (`cnf.x5t#S256`) match `sha256ThumbprintBase64URL`.
public struct TLSCertificate: Sendable, Hashable {
    /// The certificate in DER.
    public let der: [UInt8]
    /// Subject DN as an RFC 4514 string, most specific first: `CN=client,O=Example`.
    public let subject: String
    /// Issuer DN in the same form.
    public let issuer: String
    /// SHA-256 over `der`.
    public let sha256Thumbprint: [UInt8]

    /// `sha256Thumbprint` in base64url without padding (`x5t#S256`).
    public var sha256ThumbprintBase64URL: String {
        Data(sha256Thumbprint).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The certificate as PEM (`BEGIN CERTIFICATE`).
    public var pem: String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----\n"
    }

    /// The first certificate in PEM text. Throws `TLSError.configuration` when there is none.
    public init(pem: String) throws {
        let x509 = try PEMCoding.readCertificate(pem)
        defer { X509_free(x509) }
        guard let certificate = TLSCertificate(x509: x509) else {
            throw TLSError(.configuration, "the PEM certificate cannot be encoded as DER")
        }
        self = certificate
    }

    /// Reads the first certificate of a PEM file.
    public init(pemFile path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TLSError(.configuration, "cannot read certificate file \(path)")
        }
        do {
            try self.init(pem: text)
        } catch let error as TLSError {
            throw TLSError(error.kind, "\(path): \(error.reason)")
        }
    }

    /// From a parsed certificate (not consumed). nil when it cannot be encoded.
    init?(x509: OpaquePointer) {
        var output: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(x509, &output)
        guard length > 0, let output else { return nil }
        der = Array(UnsafeBufferPointer(start: output, count: Int(length)))
        CRYPTO_free(output, #fileID, #line)
        subject = Self.distinguishedName(X509_get_subject_name(x509))
        issuer = Self.distinguishedName(X509_get_issuer_name(x509))
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var digestLength: UInt32 = 0
        _ = der.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &digestLength, EVP_sha256(), nil) }
        sha256Thumbprint = Array(digest.prefix(Int(digestLength)))
    }

    private static func distinguishedName(_ name: OpaquePointer?) -> String {
        guard let name, let method = BIO_s_mem(), let bio = BIO_new(method) else { return "" }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, ciba_name_flags_rfc2253()) >= 0 else { return "" }
        return PEMCoding.contents(of: bio)
    }
}
