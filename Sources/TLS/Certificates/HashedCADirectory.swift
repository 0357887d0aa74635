import COpenSSL
import Foundation

/// Writes CA certificates into a directory in the layout OpenSSL's `CApath` lookup (and so
/// libcurl's `CURLOPT_CAPATH`, `provider.caDirectory`) needs: one PEM file per certificate,
/// named `HASH.N`, where HASH is OpenSSL's subject-name hash in 8 hex digits and N counts
/// certificates with the same hash from 0. That is what `openssl rehash` / `c_rehash` make
/// (they use symbolic links; plain copies work the same). A directory of `*.pem` files
/// without those names is NOT searched: every server certificate then fails as untrusted.
public enum HashedCADirectory {
    /// The `HASH.0` name for a certificate (OpenSSL's `X509_subject_name_hash`).
    public static func hashedName(of certificate: TLSCertificate, index: Int = 0) throws -> String {
        let x509 = try PEMCoding.readCertificate(certificate.pem)
        defer { X509_free(x509) }
        let hash = X509_subject_name_hash(x509)
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: max(0, 8 - hex.count)) + hex + ".\(index)"
    }

    /// Writes each certificate as `HASH.N` into `directory` (created 0700 when missing) and
    /// returns the file paths. Throws `TLSError.configuration` when a file cannot be written.
    @discardableResult
    public static func write(_ certificates: [TLSCertificate], in directory: String) throws -> [String] {
        try PEMFiles.createDirectory(directory)
        var written: [String] = []
        var used: Set<String> = []
        for certificate in certificates {
            var index = 0
            var name = try hashedName(of: certificate, index: index)
            while used.contains(name) {
                index += 1
                name = try hashedName(of: certificate, index: index)
            }
            used.insert(name)
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                try certificate.pem.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                throw TLSError(.configuration, "cannot write CA certificate \(path)")
            }
            written.append(path)
        }
        return written
    }
}
