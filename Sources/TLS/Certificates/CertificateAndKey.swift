import Foundation
import Glibc

/// A certificate and its private key, both PEM (the key unencrypted PKCS#8).
///
/// The key is a secret: `description` never shows it, and `write` creates the key file with
/// mode 0600.
public struct CertificateAndKey: Sendable, CustomStringConvertible {
    public let certificatePEM: String
    public let privateKeyPEM: String

    public init(certificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// Subject, issuer, thumbprint and DER of the certificate.
    public func certificate() throws -> TLSCertificate { try TLSCertificate(pem: certificatePEM) }

    /// Writes `NAME.pem` and `NAME.key` (0600) into `directory` (created 0700 if missing) and
    /// returns their paths. Replaces existing files.
    @discardableResult
    public func write(in directory: String, named name: String) throws -> (certificateFile: String, keyFile: String) {
        try PEMFiles.createDirectory(directory)
        let certificateFile = (directory as NSString).appendingPathComponent("\(name).pem")
        let keyFile = (directory as NSString).appendingPathComponent("\(name).key")
        try PEMFiles.write(certificatePEM, to: certificateFile, mode: 0o644)
        try PEMFiles.write(privateKeyPEM, to: keyFile, mode: 0o600)
        return (certificateFile, keyFile)
    }

    public var description: String { "CertificateAndKey(certificate: \(certificatePEM.utf8.count) bytes PEM, key: <redacted>)" }
}

/// Writing PEM files with the right permissions.
enum PEMFiles {
    static func createDirectory(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw TLSError(.configuration, "cannot create directory \(directory)")
        }
    }

    /// Written to a temporary name with `mode` first, then renamed: never world-readable, never half-written.
    static func write(_ text: String, to path: String, mode: mode_t) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw TLSError(.configuration, "cannot write \(path): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                Glibc.close(fd)
                unlink(temporary)
                throw TLSError(.configuration, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
        _ = fchmod(fd, mode)
        Glibc.close(fd)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw TLSError(.configuration, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
