import Foundation
import Testing
import CIBA
import JOSE
@testable import CallerAuth

/// `provider` keys for trust, mutual TLS, proxy and TLS version (ProviderTransportLoader).
@Suite("configuration: provider transport keys")
struct ProviderTransportConfigurationTests {
    typealias Scratch = ConfigurationTests.Scratch
    let base = ConfigurationTests()
    static let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    static let key = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"

    func provider(_ extra: String) -> String {
        #""issuer": "https://idp.example", "clientId": "c1", "clientSecret": "inline-secret", "# + extra
    }

    @Test func everyKeyIsReadIntoTheTransportSettings() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try scratch.write("ca.pem", Self.certificate)
        _ = try scratch.write("client.pem", Self.certificate)
        _ = try scratch.write("client.key", Self.key)
        _ = try scratch.write("proxy.cred", "agent:s3cret-proxy\n")
        try FileManager.default.createDirectory(atPath: scratch.path + "/cas", withIntermediateDirectories: true)
        let configuration = try base.load(base.minimal(scratch, provider: provider(#"""
            "caFile": "ca.pem", "caDirectory": "cas", "clientCertificateFile": "client.pem", "clientKeyFile": "client.key",
            "proxy": "http://proxy.corp:3128", "proxyCredentialsFile": "proxy.cred", "tlsMinimumVersion": "1.3"
            """#)), scratch: scratch)
        let transport = configuration.provider.settings.transport
        #expect(transport.caFile == scratch.path + "/ca.pem")
        #expect(transport.caDirectory == scratch.path + "/cas")
        #expect(transport.clientCertificateFile == scratch.path + "/client.pem")
        #expect(transport.clientKeyFile == scratch.path + "/client.key")
        #expect(transport.proxy == URL(string: "http://proxy.corp:3128"))
        #expect(transport.proxyCredentials == "agent:s3cret-proxy")
        #expect(transport.tlsMinimumVersion == .v1_3)
        #expect(!transport.description.contains("s3cret"))
    }

    @Test func defaultsAreSystemTrustNoProxyTLS12() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let transport = try base.load(base.minimal(scratch), scratch: scratch).provider.settings.transport
        #expect(transport == TransportSettings())
        #expect(transport.tlsMinimumVersion == .v1_2)
    }

    @Test func maxConnectionsIsReadAndRangeChecked() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let defaults = try base.load(base.minimal(scratch), scratch: scratch).provider.settings.transport
        #expect(defaults.maxConnectionsPerHost == 64)
        for n in [1, 200, 1024] {
            let configuration = try base.load(base.minimal(scratch, provider: provider(#""maxConnections": \#(n)"#)), scratch: scratch)
            #expect(configuration.provider.settings.transport.maxConnectionsPerHost == n)
            #expect(configuration.provider.settings.transport.description.contains("maxConnections=\(n)"))
        }
        for bad in ["0", "-3", "1025", "99999999999999999999", "2.5", #""64""#, "true"] {
            let found = base.problems(base.minimal(scratch, provider: provider(#""maxConnections": \#(bad)"#)), scratch: scratch)
            #expect(found.map(\.path) == ["provider.maxConnections"], "\(bad)")
            let text = found.map(\.description).joined()
            #expect(text.contains("1 to 1024") || text.contains("expected a number"), "\(bad): \(text)")
        }
    }

    @Test func tlsClientAuthNeedsACertificateAndSendsNoSecret() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try scratch.write("client.pem", Self.certificate + Self.key)  // combined PEM: no clientKeyFile needed
        for method in ["tls_client_auth", "self_signed_tls_client_auth"] {
            let configuration = try base.load(base.minimal(scratch, provider: #""issuer": "https://idp.example", "clientId": "c1", "clientAuth": "\#(method)", "clientCertificateFile": "client.pem""#), scratch: scratch)
            #expect(configuration.provider.authenticationName == method)
            #expect(configuration.provider.authentication.methodName == method)
            let missing = base.problems(base.minimal(scratch, provider: #""issuer": "https://idp.example", "clientId": "c1", "clientAuth": "\#(method)""#), scratch: scratch)
            #expect(missing.map(\.path) == ["provider.clientCertificateFile"])
        }
    }

    @Test func privateKeyJWTCombinesWithAClientCertificate() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let keyPEM = try PrivateKey.generateP256().pemPKCS8()
        _ = try scratch.write("jwt.key", keyPEM)
        _ = try scratch.write("client.pem", Self.certificate)
        _ = try scratch.write("client.key", Self.key)
        let configuration = try base.load(base.minimal(scratch, provider: #""issuer": "https://idp.example", "clientId": "c1", "clientAuth": "private_key_jwt", "privateKeyFile": "jwt.key", "clientCertificateFile": "client.pem", "clientKeyFile": "client.key""#), scratch: scratch)
        #expect(configuration.provider.authenticationName == "private_key_jwt")
        #expect(configuration.provider.settings.transport.presentsClientCertificate)
    }

    @Test func problemsAreReportedWithTheirPaths() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try scratch.write("not-pem.txt", "hello")
        _ = try scratch.write("enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n-----END ENCRYPTED PRIVATE KEY-----\n")
        _ = try scratch.write("cred-bad", "no-colon-here")
        let found = base.problems(base.minimal(scratch, provider: provider(#"""
            "caFile": "missing.pem", "caDirectory": "nodir", "clientCertificateFile": "not-pem.txt", "clientKeyFile": "enc.key",
            "proxy": "socks5://p:1080", "proxyCredentialsFile": "cred-bad", "tlsMinimumVersion": "1.0"
            """#)), scratch: scratch)
        let paths = Set(found.map(\.path))
        #expect(paths == ["provider.caFile", "provider.caDirectory", "provider.clientCertificateFile", "provider.clientKeyFile",
                          "provider.proxy", "provider.proxyCredentialsFile", "provider.tlsMinimumVersion"])
        let text = found.map(\.description).joined(separator: "\n")
        #expect(text.contains("does not exist"))
        #expect(text.contains("is encrypted"))
        #expect(text.contains("one line user:password"))
    }

    @Test func proxyURLWithCredentialsIsRefusedWithoutEchoingThePassword() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let found = base.problems(base.minimal(scratch, provider: provider(#""proxy": "http://agent:hunter2@proxy:3128""#)), scratch: scratch)
        #expect(found.map(\.path) == ["provider.proxy"])
        #expect(!found.map(\.description).joined().contains("hunter2"))
        let path = base.problems(base.minimal(scratch, provider: provider(#""proxy": "http://proxy:3128/path""#)), scratch: scratch)
        #expect(path.map(\.path) == ["provider.proxy"])
    }
}
