import Foundation

/// The files of a ready-made test PKI in one directory: a CA, a server certificate for
/// localhost / 127.0.0.1 / ::1, and a client certificate, each with its key (0600).
public struct TestCertificateFiles: Sendable {
    /// The directory that holds everything.
    public let directory: String
    /// `ca.pem`: what a client trusts (`caFile`), what a server verifies client certificates with.
    public let caCertificateFile: String
    /// `ca.key`.
    public let caKeyFile: String
    /// `server.pem` / `server.key`.
    public let serverCertificateFile: String
    public let serverKeyFile: String
    /// `client.pem` / `client.key`.
    public let clientCertificateFile: String
    public let clientKeyFile: String
    /// The loaded CA, for issuing variants (expired, wrong host...).
    public let authority: CertificateAuthority
    /// The client certificate's facts (subject DN for `tls_client_auth`, thumbprint).
    public let clientCertificate: TLSCertificate
}

/// Makes (or reuses) a test PKI in a directory. Used by `ciba-agi mock-provider --tls DIR` and by
/// tests of every module that speaks TLS.
///
/// ```swift
/// let pki = try TestCertificateAuthority.make(in: temporaryDirectory)
/// let server = try TLSServerContext(TLSServerConfiguration(
///     certificateChainFile: pki.serverCertificateFile, privateKeyFile: pki.serverKeyFile))
/// let client = try TLSClientContext(TLSClientConfiguration(trustedCAFile: pki.caCertificateFile))
/// // a variant:
/// let expired = try pki.authority.issueServerCertificate(dnsNames: ["localhost"], validity: .expired)
///     .write(in: pki.directory, named: "expired-server")
/// ```
public enum TestCertificateAuthority {
    /// The client certificate's subject common name.
    public static let clientCommonName = "ciba-agi-test-client"
    /// The client certificate's subject organization.
    public static let clientOrganization = "ciba-agi test"

    /// Creates `directory` (0700) and the six files, or loads them when all six are already
    /// there (so a CA pasted into a config stays valid across runs). Throws
    /// `TLSError.configuration` when existing files are unusable (delete the directory to start
    /// over) or cannot be written.
    public static func make(
        in directory: String, serverDNSNames: [String] = ["localhost"], serverIPAddresses: [String] = ["127.0.0.1", "::1"]
    ) throws -> TestCertificateFiles {
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        let names = ["ca.pem", "ca.key", "server.pem", "server.key", "client.pem", "client.key"]
        let existing = names.filter { FileManager.default.fileExists(atPath: path($0)) }
        let authority: CertificateAuthority
        if existing.count == names.count {
            do {
                authority = try CertificateAuthority(identity: CertificateAndKey(
                    certificatePEM: try String(contentsOfFile: path("ca.pem"), encoding: .utf8),
                    privateKeyPEM: try String(contentsOfFile: path("ca.key"), encoding: .utf8)))
            } catch {
                throw TLSError(.configuration, "the test CA in \(directory) is unusable (\(error)); delete the directory to make a new one")
            }
        } else {
            authority = try CertificateAuthority.generate()
            try authority.identity.write(in: directory, named: "ca")
            try authority.issueServerCertificate(dnsNames: serverDNSNames, ipAddresses: serverIPAddresses)
                .write(in: directory, named: "server")
            try authority.issueClientCertificate(commonName: clientCommonName, organization: clientOrganization)
                .write(in: directory, named: "client")
        }
        return TestCertificateFiles(
            directory: directory, caCertificateFile: path("ca.pem"), caKeyFile: path("ca.key"),
            serverCertificateFile: path("server.pem"), serverKeyFile: path("server.key"),
            clientCertificateFile: path("client.pem"), clientKeyFile: path("client.key"),
            authority: authority, clientCertificate: try TLSCertificate(pemFile: path("client.pem")))
    }

    /// A fresh, unique temporary directory for one test (under the system temp dir). The caller
    /// may delete it; nothing else does.
    public static func temporaryDirectory(_ label: String = "tls") throws -> String {
        let base = (NSTemporaryDirectory() as NSString).appendingPathComponent("ciba-agi-\(label)-\(UUID().uuidString.prefix(8))")
        try PEMFiles.createDirectory(base)
        return base
    }
}
