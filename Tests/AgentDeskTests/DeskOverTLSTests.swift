import CIBA
import Foundation
import JOSE
import Sockets
import StructuredLogging
import Testing
import TLS
@testable import AgentDesk
@testable import CallerAuth

/// The desk on a real https listener (`agentTLSCertificateFile` / `agentTLSKeyFile`) with a
/// certificate from the test CA: login over TLS, the Secure cookie, no plain HTTP.
@Suite("agent desk over TLS")
struct DeskOverTLSTests {
    static func request(_ method: String, _ url: URL, json: String? = nil, headers: [(String, String)] = []) -> HTTPTransportRequest {
        var all = headers
        if json != nil { all.append(("Content-Type", "application/json")) }
        return HTTPTransportRequest(method: method, url: url, headers: all, body: Array((json ?? "").utf8), timeout: .seconds(60))
    }

    static func settings(_ harness: DeskHarness, certificate: String, key: String) throws -> AgentDeskSettings {
        AgentDeskSettings(listen: try SocketAddress.parse("127.0.0.1:0"), agentsFile: harness.agentsFile,
                          tlsCertificateFile: certificate, tlsKeyFile: key, pageDirectory: AgentPage.sourceDirectory)
    }

    @Test func loginOverTLSSetsASecureHostCookieThatWorks() async throws {
        let harness = try await DeskHarness()
        let pki = try TestCertificateAuthority.make(in: harness.directory + "/pki")
        let settings = try Self.settings(harness, certificate: pki.serverCertificateFile, key: pki.serverKeyFile)
        let desk = try AgentDeskServer(settings: settings, engine: harness.callerAuth.engine, profiles: SimulatedSetup.profiles,
                                       audit: harness.audit, logger: Logger(handler: harness.logs, level: .debug))
        let address = try await desk.start()
        let base = URL(string: "https://localhost:\(address.port)")!
        let client = try CurlTransport(settings: TransportSettings(caFile: pki.caCertificateFile))

        let login = try await client.send(Self.request("POST", base.appendingPathComponent("api/v1/login"),
                                                       json: #"{"name":"alice","password":"\#(TestAgents.alicePassword)"}"#))
        let setCookie = login.header("Set-Cookie") ?? ""
        let cookie = String(setCookie.split(separator: ";").first ?? "")
        let session = try await client.send(Self.request("GET", base.appendingPathComponent("api/v1/session"), headers: [("Cookie", cookie)]))
        let anonymous = try await client.send(Self.request("GET", base.appendingPathComponent("api/v1/session")))
        let page = try await client.send(Self.request("GET", base))

        // The same port does not speak plain HTTP.
        var plainError: HTTPTransportError?
        do {
            _ = try await CurlTransport().send(Self.request("GET", URL(string: "http://127.0.0.1:\(address.port)/")!))
        } catch let error as HTTPTransportError {
            plainError = error
        }
        await desk.shutdown()
        await harness.shutdown()

        #expect(login.status == 200)
        #expect(cookie.hasPrefix("__Host-ciba_desk="))
        #expect(setCookie.contains("; Secure"))
        #expect(setCookie.contains("; HttpOnly"))
        #expect(setCookie.contains("SameSite=Strict"))
        #expect(session.status == 200)
        #expect(anonymous.status == 401)
        #expect(page.status == 200)
        #expect(page.header("Strict-Transport-Security") == "max-age=31536000")
        #expect(plainError != nil)
        #expect(!harness.logs.lines.contains { $0.contains(TestAgents.alicePassword) || $0.contains("PRIVATE KEY") })
    }

    @Test func aKeyThatIsNotTheCertificatesStopsTheDeskNamingTheFile() async throws {
        let harness = try await DeskHarness()
        let pki = try TestCertificateAuthority.make(in: harness.directory + "/pki")
        let settings = try Self.settings(harness, certificate: pki.serverCertificateFile, key: pki.clientKeyFile)
        var message = ""
        do {
            _ = try AgentDeskServer(settings: settings, engine: harness.callerAuth.engine, profiles: SimulatedSetup.profiles,
                                    audit: harness.audit, logger: .disabled)
        } catch let error as AgentDeskSetupError {
            message = error.description
        }
        await harness.shutdown()
        #expect(message.hasPrefix("agentTLSCertificateFile/agentTLSKeyFile: private key \(pki.clientKeyFile) does not belong to the certificate"))
    }

    @Test func plainHTTPOnlyOnLoopbackTLSOnAnyAddress() throws {
        let directory = try TestCertificateAuthority.temporaryDirectory("desk-listen")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pki = try TestCertificateAuthority.make(in: directory)
        try "".write(toFile: directory + "/agents", atomically: true, encoding: .utf8)
        func load(_ listen: String, tls: Bool) throws -> Configuration {
            let files = tls ? #", "agentTLSCertificateFile": "\#(pki.serverCertificateFile)", "agentTLSKeyFile": "\#(pki.serverKeyFile)""# : ""
            let json = """
            {"auditLog": null, "provider": {"issuer": "https://idp.example", "clientId": "c1", "clientSecret": "s"},
             "profiles": {"se": {"numberKind": "se-personnummer"}},
             "agentListen": "\(listen)", "agentsFile": "\(directory)/agents"\(files)}
            """
            return try ConfigurationLoader.load(data: Data(json.utf8), baseDirectory: directory, environment: [:])
        }
        var problems: [String] = []
        do { _ = try load("0.0.0.0:8443", tls: false) } catch let error as ConfigurationError { problems = error.problems.map(\.path) }
        #expect(problems == ["agentListen"])
        #expect(try load("0.0.0.0:8443", tls: true).agentDesk?.servesTLS == true)
        #expect(try load("127.0.0.1:8470", tls: false).agentDesk?.servesTLS == false)
    }
}
