import CIBA
import Foundation
import HTTPServer
import NetworkTesting
import Sockets
import Synchronization
import Testing
import TLS

/// An https `HTTPServer` on 127.0.0.1 with a fresh test PKI. It answers every request with the
/// client certificate's subject (or `anonymous`) and records the ALPN protocol of each request.
final class HTTPSProvider: Sendable {
    let pki: TestCertificateFiles
    let server: HTTPServer
    let port: Int

    init(
        certificate: (file: String, key: String)? = nil, clients: TLSServerConfiguration.ClientCertificatePolicy = .none,
        maximumVersion: TLSVersion? = nil, pki existing: TestCertificateFiles? = nil
    ) throws {
        let pki = try existing ?? TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("curl-tls"))
        var configuration = TLSServerConfiguration(
            certificateChainFile: certificate?.file ?? pki.serverCertificateFile, privateKeyFile: certificate?.key ?? pki.serverKeyFile,
            clientCertificates: clients)
        configuration.maximumVersion = maximumVersion
        let seen = ALPNLog()
        server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), tls: try TLSServerContext(configuration), logger: .disabled) { request in
            seen.entries.withLock { $0.append(request.tls?.negotiatedProtocol) }
            return .text(request.tls?.clientCertificate?.subject ?? "anonymous")
        }
        port = Int(try server.start().port)
        self.pki = pki
        self.seenALPN = seen
    }

    private let seenALPN: ALPNLog
    /// The ALPN protocol of every request served, in order.
    var negotiatedProtocols: [String?] { seenALPN.entries.withLock { $0 } }

    func url(_ host: String = "127.0.0.1", _ path: String = "/token") -> URL { URL(string: "https://\(host):\(port)\(path)")! }

    func stop() async {
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: pki.directory)
    }
}

final class ALPNLog: Sendable {
    let entries = Mutex<[String?]>([])
}

/// libcurl against our TLS server on loopback: trust, host names, validity, mutual TLS,
/// versions, ALPN and a CONNECT proxy, with the operator texts the transport promises.
@Suite("CurlTransport over real TLS on loopback")
struct CurlTLSTests {
    static func get(_ url: URL) -> HTTPTransportRequest {
        HTTPTransportRequest(method: "GET", url: url, timeout: .seconds(60))
    }

    static func failure(_ settings: TransportSettings, _ url: URL) async throws -> HTTPTransportError? {
        let transport = try CurlTransport(settings: settings)
        do {
            let response = try await transport.send(get(url))
            Issue.record("expected a failure, got HTTP \(response.status)")
            return nil
        } catch let error as HTTPTransportError {
            return error
        }
    }

    static func body(_ settings: TransportSettings, _ url: URL) async throws -> String {
        let response = try await CurlTransport(settings: settings).send(get(url))
        #expect(response.status == 200)
        return String(decoding: response.body, as: UTF8.self)
    }

    @Test func untrustedServerIsRefusedWithTheCAFileHint() async throws {
        let provider = try HTTPSProvider()
        let error = try await Self.failure(TransportSettings(), provider.url())
        await provider.stop()
        #expect(error?.kind == .tls)
        #expect(error?.reason.hasPrefix("TLS: certificate of 127.0.0.1 not trusted: set provider.caFile") == true)
        #expect(provider.negotiatedProtocols.isEmpty)
    }

    @Test func customCAFileIsTrusted() async throws {
        let provider = try HTTPSProvider()
        let text = try await Self.body(TransportSettings(caFile: provider.pki.caCertificateFile), provider.url())
        // The certificate names localhost too: both ways to reach it verify.
        let byName = try await Self.body(TransportSettings(caFile: provider.pki.caCertificateFile), provider.url("localhost"))
        await provider.stop()
        #expect(text == "anonymous")
        #expect(byName == "anonymous")
    }

    @Test func caDirectoryNeedsTheHashedLayout() async throws {
        let provider = try HTTPSProvider()
        let ca = try TLSCertificate(pemFile: provider.pki.caCertificateFile)
        // A plain copy named ca.pem is not found by OpenSSL's CApath lookup ...
        let plain = (provider.pki.directory as NSString).appendingPathComponent("ca-plain")
        try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)
        try ca.pem.write(toFile: (plain as NSString).appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
        let refused = try await Self.failure(TransportSettings(caDirectory: plain), provider.url())
        // ... the HASH.0 name (`openssl rehash`) is.
        let hashed = (provider.pki.directory as NSString).appendingPathComponent("ca-hashed")
        let files = try HashedCADirectory.write([ca], in: hashed)
        let text = try await Self.body(TransportSettings(caDirectory: hashed), provider.url())
        await provider.stop()
        #expect(refused?.reason.hasPrefix("TLS: certificate of 127.0.0.1 not trusted") == true)
        #expect(files.count == 1)
        #expect(files.first?.hasSuffix(".0") == true)
        #expect(text == "anonymous")
    }

    @Test func wrongHostNameNamesTheHost() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("curl-tls-host"))
        let other = try pki.authority.issueServerCertificate(dnsNames: ["other.example"], ipAddresses: [])
            .write(in: pki.directory, named: "other-host")
        let provider = try HTTPSProvider(certificate: (other.certificateFile, other.keyFile), pki: pki)
        let error = try await Self.failure(TransportSettings(caFile: pki.caCertificateFile), provider.url())
        await provider.stop()
        #expect(error?.kind == .tls)
        #expect(error?.reason == "TLS: certificate of 127.0.0.1 is for another host name")
    }

    @Test func expiredServerCertificateIsNamed() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("curl-tls-expired"))
        let expired = try pki.authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], validity: .expired)
            .write(in: pki.directory, named: "expired")
        let provider = try HTTPSProvider(certificate: (expired.certificateFile, expired.keyFile), pki: pki)
        let error = try await Self.failure(TransportSettings(caFile: pki.caCertificateFile), provider.url())
        await provider.stop()
        #expect(error?.reason == "TLS: certificate of 127.0.0.1 has expired")
    }

    @Test func mutualTLSIsAcceptedWithTheClientCertificate() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("curl-mtls"))
        let provider = try HTTPSProvider(clients: .require(trustedCAFile: pki.caCertificateFile), pki: pki)
        let settings = TransportSettings(caFile: pki.caCertificateFile, clientCertificateFile: pki.clientCertificateFile, clientKeyFile: pki.clientKeyFile)
        let subject = try await Self.body(settings, provider.url())
        await provider.stop()
        #expect(subject == pki.clientCertificate.subject)
        #expect(subject.contains("CN=\(TestCertificateAuthority.clientCommonName)"))
    }

    @Test func mutualTLSRefusalsAreTold() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("curl-mtls-refused"))
        let provider = try HTTPSProvider(clients: .require(trustedCAFile: pki.caCertificateFile), pki: pki)
        let none = try await Self.failure(TransportSettings(caFile: pki.caCertificateFile), provider.url())
        let stranger = try CertificateAuthority.selfSignedClientCertificate(commonName: "stranger").write(in: pki.directory, named: "stranger")
        let untrusted = try await Self.failure(
            TransportSettings(caFile: pki.caCertificateFile, clientCertificateFile: stranger.certificateFile, clientKeyFile: stranger.keyFile),
            provider.url())
        await provider.stop()
        #expect(none?.kind == .tls)
        #expect(none?.reason == "TLS: 127.0.0.1 requires a client certificate: set provider.clientCertificateFile and provider.clientKeyFile")
        #expect(untrusted?.kind == .tls)
        #expect(untrusted?.reason.hasPrefix("TLS: client certificate refused by 127.0.0.1") == true)
        #expect(provider.negotiatedProtocols.isEmpty)
    }

    @Test func tlsMinimumVersionIsHonoured() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("curl-tls-version"))
        let onlyTLS12 = try HTTPSProvider(maximumVersion: .v1_2, pki: pki)
        let accepted = try await Self.body(TransportSettings(caFile: pki.caCertificateFile, tlsMinimumVersion: .v1_2), onlyTLS12.url())
        let refused = try await Self.failure(TransportSettings(caFile: pki.caCertificateFile, tlsMinimumVersion: .v1_3), onlyTLS12.url())
        await onlyTLS12.stop()
        #expect(accepted == "anonymous")
        #expect(refused?.kind == .tls)
        #expect(refused?.reason == "TLS: 127.0.0.1 does not offer TLS 1.3 or newer (provider.tlsMinimumVersion)")
    }

    /// Our HTTPServer speaks HTTP/1.1 only, so h2 itself is not exercised here: libcurl offers h2
    /// first (seen by a TLS listener that only accepts h2) and falls back to http/1.1 with a server
    /// that picks http/1.1.
    @Test(.enabled(if: CurlTransport.supportsHTTP2, "the system libcurl has no HTTP/2"))
    func alpnOffersH2AndFallsBackToHTTP11() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("curl-alpn"))
        defer { try? FileManager.default.removeItem(atPath: pki.directory) }
        var h2Only = TLSServerConfiguration(certificateChainFile: pki.serverCertificateFile, privateKeyFile: pki.serverKeyFile)
        h2Only.alpnProtocols = ["h2"]
        let context = try TLSServerContext(h2Only)
        let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        defer { listener.close() }
        let probe = Task { () -> String? in
            let tcp = try await listener.accept()
            let tls = try await TLSConnection.accept(tcp, context: context, timeout: .seconds(60))
            defer { tls.close() }
            return tls.negotiatedProtocol
        }
        let settings = TransportSettings(caFile: pki.caCertificateFile)
        _ = try? await CurlTransport(settings: settings).send(Self.get(URL(string: "https://127.0.0.1:\(listener.localAddress.port)/")!))
        #expect(try await probe.value == "h2")

        let provider = try HTTPSProvider(pki: pki)
        let text = try await Self.body(settings, provider.url())
        await provider.stop()
        #expect(text == "anonymous")
        #expect(provider.negotiatedProtocols == ["http/1.1"])
    }

    @Test func connectProxyInFrontOfATLSServer() async throws {
        let provider = try HTTPSProvider()
        let proxy = try ConnectProxy(policy: .tunnel)
        defer { proxy.stop() }
        let text = try await Self.body(TransportSettings(caFile: provider.pki.caCertificateFile, proxy: proxy.url), provider.url())
        await provider.stop()
        #expect(text == "anonymous")
        #expect(proxy.targets == ["127.0.0.1:\(provider.port)"])
    }
}
