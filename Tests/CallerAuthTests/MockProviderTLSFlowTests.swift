import Foundation
import Testing
import AGI
import AGITesting
import CIBA
import CIBASimulator
import Sockets
import StructuredLogging
import TLS
@testable import CallerAuth

/// `mock-provider --tls DIR`: the PKI it keeps, what it prints, and a whole VERIFIED call over
/// https with mutual TLS, configured by nothing but the `provider` block it prints.
@Suite("mock-provider over TLS (RFC 8705)")
struct MockProviderTLSFlowTests {
    static func loadProvider(_ block: String, directory: String) throws -> ProviderConfiguration {
        let json = """
        {"auditLog": "\(directory)/audit.jsonl",
        \(block),
         "profiles": {"se": {"numberKind": "se-personnummer"}}}
        """
        var provider = try ConfigurationLoader.load(data: Data(json.utf8), baseDirectory: directory, environment: [:]).provider
        provider.requestTimeoutSeconds = 60  // a failure bound only (the printed block keeps the default)
        return provider
    }

    @Test(arguments: [MockProviderTLS.ClientCertificateMode.tlsClientAuth, .selfSignedTLSClientAuth])
    func verifiedCallOverMutualTLSWithThePrintedProviderBlock(mode: MockProviderTLS.ClientCertificateMode) async throws {
        let directory = try TestCertificateAuthority.temporaryDirectory("mock-provider-tls")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tls = try MockProviderTLS.prepare(directory: directory, mode: mode)
        var simulator = FlowHarness.fastSimulator()
        try tls.apply(to: &simulator)
        let provider = SimulatedProvider(configuration: simulator)
        let issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0"))
        let block = tls.providerBlock(issuer: issuer, clientID: simulator.clientID, clientSecret: simulator.clientSecret)

        var configuration = try SimulatedSetup.configuration(issuer: issuer, opsListen: false)
        configuration.provider = try Self.loadProvider(block, directory: directory)
        let logs = InMemoryLogHandler()
        let logger = Logger(handler: logs, level: .debug)
        let authenticator = BackchannelAuthenticator(
            settings: configuration.provider.settings, transport: try CurlTransport(settings: configuration.provider.transport),
            clock: ContinuousClock(), logger: logger)
        let audit = InMemoryAuditSink()
        let service = CallerAuthService(configuration: configuration, authenticator: authenticator, audit: audit,
                                        metrics: MetricsRegistry(), logger: logger, timing: FlowTiming())
        // A preset number: no DTMF timing involved.
        let call = FakeCall(script: "caller-auth", arguments: ["se-bankid"],
                            environment: ["agi_callerid": "+46701234567", "agi_language": "sv"],
                            variables: ["CIBA_ID_NUMBER": SimulatedPerson.demoNumber], answered: true, keypresses: [], hangupAt: nil,
                            timeScale: 0.2, linkedID: nil)
        let transcript = try await FakeAsterisk(call: call).place(through: service.makeRouter(), limits: AGISessionLimits(),
                                                                 logger: logger, timeout: .seconds(60))
        let requests = provider.requests.filter { $0.endpoint == .backchannel || $0.endpoint == .token }
        await provider.shutdown()

        #expect(issuer.scheme == "https")
        #expect(configuration.provider.authentication.methodName == mode.rawValue)
        #expect(transcript.variables["CIBA_STATUS"] == "VERIFIED")
        #expect(transcript.variables["CIBA_NAME"] == "Terne Paulsen")
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0.clientAuth?.rawValue == mode.rawValue }, "every request authenticated by the certificate")
        let texts = logs.lines + audit.records.map(\.jsonLine)
        #expect(!texts.contains { $0.contains("PRIVATE KEY") || $0.contains(SimulatedPerson.demoNumber) })
    }

    @Test func theBlockNeedsTheCAFileWithoutItTheCallFailsAsUntrusted() async throws {
        let directory = try TestCertificateAuthority.temporaryDirectory("mock-provider-tls-ca")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tls = try MockProviderTLS.prepare(directory: directory, mode: .none)
        var simulator = FlowHarness.fastSimulator()
        try tls.apply(to: &simulator)
        let provider = SimulatedProvider(configuration: simulator)
        let issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0"))
        let block = tls.providerBlock(issuer: issuer, clientID: simulator.clientID, clientSecret: simulator.clientSecret)
        let withCA = try Self.loadProvider(block, directory: directory)
        var withoutCA = withCA
        withoutCA.transport.caFile = nil
        let request = HTTPTransportRequest(method: "GET", url: issuer.appendingPathComponent(".well-known/openid-configuration"), timeout: .seconds(60))
        let trusted = try await CurlTransport(settings: withCA.transport).send(request)
        var refusal: HTTPTransportError?
        do { _ = try await CurlTransport(settings: withoutCA.transport).send(request) } catch let error as HTTPTransportError { refusal = error }
        await provider.shutdown()
        #expect(withCA.authentication.methodName == "client_secret_basic")
        #expect(trusted.status == 200)
        #expect(refusal?.reason.hasPrefix("TLS: certificate of 127.0.0.1 not trusted: set provider.caFile") == true)
    }

    @Test func thePKIIsMadeOnceAndReused() throws {
        let directory = try TestCertificateAuthority.temporaryDirectory("mock-provider-tls-reuse")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try MockProviderTLS.prepare(directory: directory, mode: .selfSignedTLSClientAuth)
        let ca = try String(contentsOfFile: first.files.caCertificateFile, encoding: .utf8)
        let second = try MockProviderTLS.prepare(directory: directory, mode: .selfSignedTLSClientAuth)
        #expect(try String(contentsOfFile: second.files.caCertificateFile, encoding: .utf8) == ca)
        #expect(second.clientCertificate == first.clientCertificate)
        let keyMode = try FileManager.default.attributesOfItem(atPath: first.files.serverKeyFile)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
    }

    @Test(arguments: MockProviderTLS.ClientCertificateMode.allCases)
    func theBannerPrintsPathsAndNeverKeyMaterial(mode: MockProviderTLS.ClientCertificateMode) throws {
        let directory = try TestCertificateAuthority.temporaryDirectory("mock-provider-tls-banner")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tls = try MockProviderTLS.prepare(directory: directory, mode: mode)
        let banner = tls.banner(issuer: URL(string: "https://127.0.0.1:8480")!, clientID: "urn:ciba-agi:demo", clientSecret: "ciba-agi-demo-secret")
        #expect(banner.contains(tls.files.caCertificateFile))
        #expect(banner.contains("\"caFile\": \"\(tls.files.caCertificateFile)\""))
        if mode != .none {
            #expect(banner.contains("\"clientAuth\": \"\(mode.rawValue)\""))
            #expect(banner.contains("\"clientKeyFile\": \"\(try #require(tls.clientKeyFile))\""))
            #expect(!banner.contains("ciba-agi-demo-secret"), "no secret when the certificate authenticates")
        }
        var keyFiles = [tls.files.caKeyFile, tls.files.serverKeyFile, tls.files.clientKeyFile]
        if let key = tls.clientKeyFile { keyFiles.append(key) }
        for file in keyFiles {
            let key = try String(contentsOfFile: file, encoding: .utf8)
            let body = key.split(separator: "\n").filter { !$0.hasPrefix("-----") }
            #expect(!body.isEmpty)
            for line in body { #expect(!banner.contains(line), "a line of \(file) is printed") }
        }
        #expect(!banner.contains("PRIVATE KEY"))
    }
}
