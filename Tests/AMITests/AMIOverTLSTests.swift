import AGITesting
import AMI
import Sockets
import StructuredLogging
import Testing
import TLS

/// The manager connection over TLS (manager.conf `tlsenable=yes`): a fake manager port behind
/// a certificate from the test CA; the client verifies it and never sends the secret otherwise.
@Suite struct AMIOverTLSTests {
    static func server(_ pki: TestCertificateFiles) throws -> FakeAMIServer {
        let context = try TLSServerContext(TLSServerConfiguration(certificateChainFile: pki.serverCertificateFile, privateKeyFile: pki.serverKeyFile))
        return try FakeAMIServer(settings: .init(users: ["ciba-agi": AMIClientTests.secret]), tls: context)
    }

    static func configuration(_ server: FakeAMIServer, caFile: String?, serverName: String = "localhost") -> AMIClientConfiguration {
        var configuration = AMIClientTests.configuration(server)
        configuration.tls = AMITLSSettings(caFile: caFile, serverName: serverName)
        return configuration
    }

    @Test func logsInOverTLSAndSendsAUserEvent() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("ami-tls"))
        let server = try Self.server(pki)
        defer { server.stop() }
        let client = AMIClient(configuration: Self.configuration(server, caFile: pki.caCertificateFile), logger: .disabled)
        client.start()
        _ = await AMIClientTests.waitFor(client) { $0.isConnected }
        try await client.userEvent("CibaVerification", [("Status", "VERIFIED")])
        #expect(await server.waitUntil { $0.events.contains { $0.name == "UserEvent" } })
        #expect(server.snapshot.logins == 1)
        await client.stop()
    }

    @Test func anUntrustedOrMisnamedCertificateIsRefusedBeforeTheLogin() async throws {
        let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("ami-tls"))
        let other = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("ami-tls-other"))
        let server = try Self.server(pki)
        defer { server.stop() }
        for (caFile, name, expected) in [(other.caCertificateFile, "localhost", "not trusted"),
                                         (pki.caCertificateFile, "pbx.example", "another host name")] {
            let logs = InMemoryLogHandler()
            let client = AMIClient(configuration: Self.configuration(server, caFile: caFile, serverName: name), logger: Logger(handler: logs, level: .trace))
            client.start()
            let waiting = await AMIClientTests.waitFor(client) { if case .waitingToReconnect = $0 { true } else { false } }
            if case .waitingToReconnect(_, _, let reason) = waiting {
                #expect(reason.contains(expected), "\(reason)")
            } else {
                Issue.record("expected a refused handshake, got \(String(describing: waiting))")
            }
            await client.stop()
            #expect(!logs.records.map(\.formatted).joined().contains(AMIClientTests.secret))
        }
        #expect(server.snapshot.logins == 0 && server.snapshot.failedLogins == 0)
    }
}
