import Foundation
import Testing
import CIBASimulator
import Sockets
import StructuredLogging
@testable import CallerAuth

/// Issue 8 bug 5: syntax errors located, trailing commas refused, a port in use named by its
/// key, a warning for `listen` on every interface with a loopback-only allow list.
@Suite("configuration syntax, listeners in use, exposure warning")
struct StartupChecksTests {
    static let issuer = URL(string: "http://127.0.0.1:9")!

    func problems(_ json: String) -> [String] {
        do {
            _ = try ConfigurationLoader.load(data: Data(json.utf8), baseDirectory: NSTemporaryDirectory(), environment: [:])
            return []
        } catch let error as ConfigurationError {
            #expect(error.kind == .malformed)
            return error.problems.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func trailingCommaIsASyntaxErrorWithLineAndColumn() {
        let json = """
        {
          "listen": "127.0.0.1:4573",
          "provider": {"issuer": "https://idp.example", "clientId": "c1", "clientSecret": "s",},
          "profiles": {}
        }
        """
        #expect(problems(json) == ["not valid JSON: line 3, column 87: trailing comma before '}'"])
    }

    @Test func otherSyntaxErrorsAreLocatedToo() {
        #expect(problems("{\n  \"listen\" \"x\"\n}") == ["not valid JSON: line 2, column 12: expected ':'"])
        #expect(problems("{\"listen\": \"a\",\n \"listen\": \"b\"}") == ["not valid JSON: line 2, column 2: duplicate member name"])
        #expect(problems("[1, 2,]") == ["not valid JSON: line 1, column 7: trailing comma before ']'"])
    }

    @Test func syntaxErrorsNeverQuoteTheFile() {
        let found = problems("{\"provider\": {\"clientSecret\": \"TOPSECRET-42\" \"x\"}}")
        #expect(found.count == 1)
        #expect(!found.joined().contains("TOPSECRET"))
    }

    func configuration(listen: String, allowed: [String], opsListen: Bool = false) throws -> Configuration {
        var configuration = try SimulatedSetup.configuration(issuer: Self.issuer, opsListen: opsListen)
        configuration.listen = [try SocketAddress.parse(listen)]
        configuration.allowedClients = AllowList(try allowed.map { try CIDRBlock(parsing: $0) })
        configuration.allowedClientsText = allowed
        return configuration
    }

    @Test func listenOnEveryInterfaceWithLoopbackOnlyAllowListWarns() throws {
        let warned = try configuration(listen: "0.0.0.0:4573", allowed: ["127.0.0.1/32", "::1/128"]).startupWarnings
        #expect(warned == ["listen 0.0.0.0:4573 accepts on every interface, but allowedClients (127.0.0.1/32, ::1/128) admits only "
                           + "loopback: Asterisk on another host is refused; listen on 127.0.0.1 or add its address to allowedClients"])
        #expect(try configuration(listen: "[::]:4573", allowed: ["127.0.0.0/8"]).startupWarnings.count == 1)
        #expect(try configuration(listen: "0.0.0.0:4573", allowed: ["127.0.0.1/32", "10.0.0.0/8"]).startupWarnings.isEmpty)
        #expect(try configuration(listen: "127.0.0.1:4573", allowed: ["127.0.0.1/32"]).startupWarnings.isEmpty)
        #expect(try configuration(listen: "0.0.0.0:4573", allowed: ["0.0.0.0/0"]).startupWarnings.isEmpty)
        #expect(try configuration(listen: "0.0.0.0:4573", allowed: ["96.0.0.0/3"]).startupWarnings.isEmpty)
    }

    @Test func serverStartLogsTheWarning() async throws {
        let logs = InMemoryLogHandler()
        let server = try CallerAuthServer(configuration: try configuration(listen: "0.0.0.0:0", allowed: ["127.0.0.1/32"]),
                                          logger: Logger(handler: logs), audit: InMemoryAuditSink())
        try server.start()
        await server.shutdown(drainTimeout: .zero)
        let warning = try #require(logs.records.first { $0.event == "server.config_warning" })
        #expect(warning.level == .warning)
        #expect(warning["warning"]?.hasPrefix("listen 0.0.0.0:0 accepts on every interface") == true)
    }

    @Test func listenInUseNamesTheKey() async throws {
        let taken = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        defer { taken.close() }
        let address = taken.localAddress
        let server = try CallerAuthServer(configuration: try configuration(listen: address.description, allowed: ["127.0.0.1/32"]),
                                          logger: .disabled, audit: InMemoryAuditSink())
        do {
            try server.start()
            Issue.record("started on a port in use")
        } catch {
            #expect("\(error)" == "listen \(address) (key `listen`): address already in use")
        }
    }

    @Test func opsListenInUseNamesTheKeyAndReleasesTheAGIPort() async throws {
        let taken = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        defer { taken.close() }
        var configuration = try configuration(listen: "127.0.0.1:0", allowed: ["127.0.0.1/32"])
        configuration.opsListen = taken.localAddress
        let server = try CallerAuthServer(configuration: configuration, logger: .disabled, audit: InMemoryAuditSink())
        do {
            try server.start()
            Issue.record("started on a port in use")
        } catch {
            #expect("\(error)" == "listen \(taken.localAddress) (key `opsListen`): address already in use")
        }
    }

    @Test func agentListenAndSeveralAddressesNameTheFailingOne() throws {
        let taken = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        defer { taken.close() }
        let free = try SocketAddress.parse("127.0.0.1:1")
        do {
            try ListenerStartError.naming("agentListen", [free, taken.localAddress]) {
                _ = try TCPListener.listen(on: taken.localAddress)
            }
            Issue.record("bound a port in use")
        } catch {
            #expect("\(error)" == "listen \(taken.localAddress) (key `agentListen`): address already in use")
        }
    }
}
