import Foundation
import CIBASimulator
import JOSE
import TLS

/// `ciba-agi mock-provider --tls DIR`: the simulated provider over https with a test PKI kept
/// in DIR, optionally insisting on a client certificate (RFC 8705), and the `provider` block
/// that reaches it.
///
/// The PKI is made once (CA, server certificate for localhost / 127.0.0.1 / ::1, a CA-issued
/// client certificate, and for `self_signed_tls_client_auth` a self-signed one) and reused on
/// the next start, so a pasted `caFile` stays valid. Only file paths are ever printed; the keys
/// stay in DIR (mode 0600).
public struct MockProviderTLS: Sendable {
    /// How the mock provider authenticates the client.
    public enum ClientCertificateMode: String, Sendable, CaseIterable {
        /// No client certificate asked for; the demo secret (`client_secret_basic`).
        case none
        /// RFC 8705 §2.1: a certificate from DIR's CA, matched by its subject DN.
        case tlsClientAuth = "tls_client_auth"
        /// RFC 8705 §2.2: a self-signed certificate, matched by its SHA-256 thumbprint.
        case selfSignedTLSClientAuth = "self_signed_tls_client_auth"
    }

    public let files: TestCertificateFiles
    public let mode: ClientCertificateMode
    /// The certificate and key the client presents (nil in `.none`).
    public let clientCertificateFile: String?
    public let clientKeyFile: String?
    /// Its facts (subject DN, thumbprint) for the simulator's registration and the banner.
    public let clientCertificate: TLSCertificate?

    /// Makes or reuses the PKI in `directory`. Throws `TLSError.configuration` naming the file
    /// when existing files are unusable or DIR cannot be written.
    public static func prepare(directory: String, mode: ClientCertificateMode) throws -> MockProviderTLS {
        let files = try TestCertificateAuthority.make(in: directory)
        switch mode {
        case .none:
            return MockProviderTLS(files: files, mode: mode, clientCertificateFile: nil, clientKeyFile: nil, clientCertificate: nil)
        case .tlsClientAuth:
            return MockProviderTLS(files: files, mode: mode, clientCertificateFile: files.clientCertificateFile,
                                   clientKeyFile: files.clientKeyFile, clientCertificate: files.clientCertificate)
        case .selfSignedTLSClientAuth:
            let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
            let (certificateFile, keyFile) = (path("self-signed-client.pem"), path("self-signed-client.key"))
            if !FileManager.default.fileExists(atPath: certificateFile) || !FileManager.default.fileExists(atPath: keyFile) {
                try CertificateAuthority.selfSignedClientCertificate(commonName: TestCertificateAuthority.clientCommonName)
                    .write(in: directory, named: "self-signed-client")
            }
            return MockProviderTLS(files: files, mode: mode, clientCertificateFile: certificateFile, clientKeyFile: keyFile,
                                   clientCertificate: try TLSCertificate(pemFile: certificateFile))
        }
    }

    /// Turns on https and the client-certificate registration in a simulator configuration.
    /// `tls_client_auth` requires a certificate from DIR's CA at the handshake;
    /// `self_signed_tls_client_auth` asks for any certificate and checks the thumbprint.
    public func apply(to configuration: inout SimulatorConfiguration) throws {
        var server = TLSServerConfiguration(certificateChainFile: files.serverCertificateFile, privateKeyFile: files.serverKeyFile)
        switch mode {
        case .none:
            server.clientCertificates = .none
        case .tlsClientAuth:
            server.clientCertificates = .require(trustedCAFile: files.caCertificateFile)
            configuration.tlsClientAuthSubjectDN = clientCertificate?.subject
            configuration.allowedClientAuthMethods = [.tlsClientAuth]
        case .selfSignedTLSClientAuth:
            server.clientCertificates = .request(trustedCAFile: nil)
            configuration.selfSignedCertificateThumbprints = Set([clientCertificate?.sha256ThumbprintBase64URL].compactMap { $0 })
            configuration.allowedClientAuthMethods = [.selfSignedTLSClientAuth]
        }
        configuration.tls = try TLSServerContext(server)
    }

    /// The `"provider": {...}` block for a `ciba-agi.json`, ready to paste: issuer, client,
    /// `caFile`, and the client certificate files for the RFC 8705 modes. Paths only.
    public func providerBlock(issuer: URL, clientID: String, clientSecret: String?) -> String {
        var members: [(String, String)] = [("issuer", issuer.absoluteString), ("clientId", clientID)]
        switch mode {
        case .none:
            members.append(("clientAuth", "client_secret_basic"))
            if let clientSecret { members.append(("clientSecret", clientSecret)) }
        case .tlsClientAuth, .selfSignedTLSClientAuth:
            members.append(("clientAuth", mode.rawValue))
        }
        members.append(("caFile", files.caCertificateFile))
        if let clientCertificateFile, let clientKeyFile {
            members.append(("clientCertificateFile", clientCertificateFile))
            members.append(("clientKeyFile", clientKeyFile))
        }
        let lines = members.map { name, value in
            "    \(Self.quoted(name)): \(Self.quoted(value))"
        }
        return "  \"provider\": {\n" + lines.joined(separator: ",\n") + "\n  }"
    }

    /// What `mock-provider --tls` prints after its usual banner: the CA path, the client
    /// certificate's path, subject DN and thumbprint, and the provider block. File paths and
    /// public certificate facts only; never a key.
    public func banner(issuer: URL, clientID: String, clientSecret: String?) -> String {
        var lines = ["  CA certificate: \(files.caCertificateFile)   (trust it: provider.caFile)"]
        if let clientCertificate, let clientCertificateFile {
            lines.append("  client certificate required (\(mode.rawValue)): \(clientCertificateFile)")
            lines.append("    subject DN:   \(clientCertificate.subject)")
            lines.append("    x5t#S256:     \(clientCertificate.sha256ThumbprintBase64URL)")
        }
        lines.append("paste into ciba-agi.json:")
        lines.append(providerBlock(issuer: issuer, clientID: clientID, clientSecret: clientSecret))
        return lines.joined(separator: "\n")
    }

    private static func quoted(_ text: String) -> String {
        (try? JSONValue.string(text).encodedString()) ?? "\"\""
    }
}
