import Foundation
import Testing
import CIBA
import HTTPServer
import NetworkTesting
import Sockets
import TLS
@testable import CallerAuth

/// An https provider stand-in on loopback (any request answers 200) with its own test PKI.
final class TLSProviderStandIn: Sendable {
    let pki: TestCertificateFiles
    let server: HTTPServer
    let issuer: URL

    init(pki existing: TestCertificateFiles? = nil, certificate: (certificateFile: String, keyFile: String)? = nil,
         clients: TLSServerConfiguration.ClientCertificatePolicy = .none) async throws {
        pki = try existing ?? TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("check-tls"))
        let configuration = TLSServerConfiguration(
            certificateChainFile: certificate?.certificateFile ?? pki.serverCertificateFile,
            privateKeyFile: certificate?.keyFile ?? pki.serverKeyFile, clientCertificates: clients)
        server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), tls: try TLSServerContext(configuration), logger: .disabled) { _ in
            .json(Data("{}".utf8))
        }
        issuer = URL(string: "https://127.0.0.1:\(try server.start().port)")!
    }

    func provider(_ transport: TransportSettings) -> ProviderConfiguration {
        ProviderConfiguration(issuer: issuer, clientID: "c1", authentication: .tlsClientAuth, transport: transport)
    }

    func stop() async {
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: pki.directory)
    }
}

/// `check-config`'s TLS and proxy findings: one line each, naming what to change.
@Suite("check-config: provider TLS problems in one line")
struct ProviderConnectionCheckTests {
    @Test func aWorkingConnectionHasNoProblem() async throws {
        let standIn = try await TLSProviderStandIn()
        let problem = await ProviderConnectionCheck.problem(for: standIn.provider(TransportSettings(caFile: standIn.pki.caCertificateFile)), timeout: .seconds(120))
        await standIn.stop()
        #expect(problem == nil)
    }

    @Test func untrustedCertificateNamesTheMissingCA() async throws {
        let standIn = try await TLSProviderStandIn()
        let otherCA = try TestCertificateAuthority.make(in: standIn.pki.directory + "/other")
        let systemStore = await ProviderConnectionCheck.problem(for: standIn.provider(TransportSettings()), timeout: .seconds(120))
        let wrongCA = await ProviderConnectionCheck.problem(for: standIn.provider(TransportSettings(caFile: otherCA.caCertificateFile)), timeout: .seconds(120))
        let issuer = try TLSCertificate(pemFile: standIn.pki.caCertificateFile).subject
        await standIn.stop()
        let expected = "TLS: certificate of 127.0.0.1 not trusted: set provider.caFile to the CA that issued it (the server's certificate is issued by \(issuer): provider.caFile must hold that CA)"
        #expect(systemStore == expected)
        #expect(wrongCA == expected)
        #expect(!issuer.isEmpty)
    }

    @Test func wrongHostNameSaysWhoTheCertificateIsFor() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("check-tls-host"))
        let other = try pki.authority.issueServerCertificate(dnsNames: ["other.example"], ipAddresses: []).write(in: pki.directory, named: "other")
        let standIn = try await TLSProviderStandIn(pki: pki, certificate: other)
        let problem = await ProviderConnectionCheck.problem(for: standIn.provider(TransportSettings(caFile: pki.caCertificateFile)), timeout: .seconds(120))
        let subject = try TLSCertificate(pemFile: other.certificateFile).subject
        await standIn.stop()
        #expect(problem == "TLS: certificate of 127.0.0.1 is for another host name (its certificate is for \(subject))")
        #expect(problem?.contains("other.example") == true)
    }

    @Test func expiredCertificate() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("check-tls-expired"))
        let expired = try pki.authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], validity: .expired)
            .write(in: pki.directory, named: "expired")
        let standIn = try await TLSProviderStandIn(pki: pki, certificate: expired)
        let problem = await ProviderConnectionCheck.problem(for: standIn.provider(TransportSettings(caFile: pki.caCertificateFile)), timeout: .seconds(120))
        await standIn.stop()
        #expect(problem == "TLS: certificate of 127.0.0.1 has expired")
    }

    @Test func clientCertificateMissingOrRefused() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("check-tls-mtls"))
        let standIn = try await TLSProviderStandIn(pki: pki, clients: .require(trustedCAFile: pki.caCertificateFile))
        let stranger = try CertificateAuthority.selfSignedClientCertificate(commonName: "stranger").write(in: pki.directory, named: "stranger")
        let missing = await ProviderConnectionCheck.problem(for: standIn.provider(TransportSettings(caFile: pki.caCertificateFile)), timeout: .seconds(120))
        let refused = await ProviderConnectionCheck.problem(for: standIn.provider(TransportSettings(
            caFile: pki.caCertificateFile, clientCertificateFile: stranger.certificateFile, clientKeyFile: stranger.keyFile)), timeout: .seconds(120))
        let accepted = await ProviderConnectionCheck.problem(for: standIn.provider(TransportSettings(
            caFile: pki.caCertificateFile, clientCertificateFile: pki.clientCertificateFile, clientKeyFile: pki.clientKeyFile)), timeout: .seconds(120))
        await standIn.stop()
        #expect(missing == "TLS: 127.0.0.1 requires a client certificate: set provider.clientCertificateFile and provider.clientKeyFile")
        #expect(refused == "TLS: client certificate refused by 127.0.0.1 (provider.clientCertificateFile): expired, or not issued by a CA it trusts")
        #expect(accepted == nil)
    }

    @Test func proxyRefusal() async throws {
        let standIn = try await TLSProviderStandIn()
        let proxy = try ConnectProxy(policy: .refuse)
        defer { proxy.stop() }
        let problem = await ProviderConnectionCheck.problem(for: standIn.provider(TransportSettings(caFile: standIn.pki.caCertificateFile, proxy: proxy.url)), timeout: .seconds(120))
        await standIn.stop()
        #expect(problem == "proxy 127.0.0.1:\(proxy.url.port!) refused the tunnel to 127.0.0.1:\(standIn.issuer.port!) (HTTP 403)")
    }

    @Test func checkConfigPrintsTheTLSProblemOnOneLine() async throws {
        let standIn = try await TLSProviderStandIn()
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/ciba-agi.json"
        try """
        {"auditLog": "\(directory)/audit.jsonl",
         "provider": {"issuer": "\(standIn.issuer.absoluteString)", "clientId": "c1", "clientSecret": "s3cr3t-value", "requestTimeoutSeconds": 120},
         "profiles": {"se": {"numberKind": "se-personnummer"}}}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let (status, output, _) = try await Subprocess.run(["check-config", "--config", config], directory: directory)
        await standIn.stop()
        #expect(status == 1)
        let problems = output.split(separator: "\n").filter { $0.hasPrefix("problem:") }
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("problem: provider: TLS: certificate of 127.0.0.1 not trusted: set provider.caFile") == true)
        #expect(problems.first?.contains("issued by CN=") == true)
        #expect(!output.contains("s3cr3t-value"))
    }
}
