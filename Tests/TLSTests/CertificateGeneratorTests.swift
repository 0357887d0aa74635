import Foundation
import ProcessSpawning
import Testing
@testable import TLS

/// The generated PKI, checked by OpenSSL's own command-line tool (an independent reader).
@Suite struct CertificateGeneratorTests {
    private func openssl(_ arguments: [String]) async throws -> (Int32, String) {
        let result = try await SpawnedProcess.run(["openssl"] + arguments, timeout: .seconds(30))
        return (result.status, String(decoding: result.stdout + result.stderr, as: UTF8.self))
    }

    @Test func testPKIVerifiesWithOpenSSLAndHasTheRightExtensions() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("gen"))
        let (serverStatus, serverOutput) = try await openssl(["verify", "-CAfile", pki.caCertificateFile, "-purpose", "sslserver", pki.serverCertificateFile])
        #expect(serverStatus == 0, "\(serverOutput)")
        let (clientStatus, clientOutput) = try await openssl(["verify", "-CAfile", pki.caCertificateFile, "-purpose", "sslclient", pki.clientCertificateFile])
        #expect(clientStatus == 0, "\(clientOutput)")
        // The server certificate is not good for client auth, and vice versa.
        let (wrongPurpose, _) = try await openssl(["verify", "-CAfile", pki.caCertificateFile, "-purpose", "sslclient", pki.serverCertificateFile])
        #expect(wrongPurpose != 0)

        let (_, ca) = try await openssl(["x509", "-in", pki.caCertificateFile, "-noout", "-text"])
        #expect(ca.contains("CA:TRUE"))
        #expect(ca.contains("Certificate Sign, CRL Sign"))
        let (_, server) = try await openssl(["x509", "-in", pki.serverCertificateFile, "-noout", "-text"])
        #expect(server.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"))
        #expect(server.contains("CA:FALSE"))
        #expect(server.contains("TLS Web Server Authentication"))
        #expect(server.contains("ASN1 OID: prime256v1"))
    }

    @Test func keyFilesArePrivateAndAReusedDirectoryKeepsItsCA() throws {
        let directory = try TestCertificateAuthority.temporaryDirectory("reuse")
        let first = try TestCertificateAuthority.make(in: directory)
        let mode = try FileManager.default.attributesOfItem(atPath: first.caKeyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try TestCertificateAuthority.make(in: directory)
        #expect(again.authority.certificatePEM == first.authority.certificatePEM)
        #expect(again.clientCertificate == first.clientCertificate)
    }

    @Test func thumbprintMatchesOpenSSL() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("thumb"))
        let (_, output) = try await openssl(["x509", "-in", pki.clientCertificateFile, "-noout", "-fingerprint", "-sha256"])
        let hex = pki.clientCertificate.sha256Thumbprint.map { String(format: "%02X", $0) }.joined(separator: ":")
        #expect(output.contains(hex))
        #expect(pki.clientCertificate.pem == (try String(contentsOfFile: pki.clientCertificateFile, encoding: .utf8)))
    }

    @Test func badInputIsRefusedClearly() throws {
        let ca = try CertificateAuthority.generate()
        #expect(throws: TLSError(.configuration, "'bad,DNS:evil' is not a DNS name")) {
            _ = try ca.issueServerCertificate(dnsNames: ["bad,DNS:evil"])
        }
        #expect(throws: TLSError(.configuration, "'1.2.3' is not an IP address")) {
            _ = try ca.issueServerCertificate(dnsNames: [], ipAddresses: ["1.2.3"])
        }
        let other = try CertificateAuthority.generate()
        #expect(throws: TLSError(.configuration, "the CA key does not belong to the CA certificate")) {
            _ = try CertificateAuthority(identity: CertificateAndKey(certificatePEM: ca.certificatePEM, privateKeyPEM: other.identity.privateKeyPEM))
        }
        #expect(!"\(ca.identity)".contains("PRIVATE KEY"))
    }
}
