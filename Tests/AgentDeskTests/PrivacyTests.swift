import Foundation
import HTTPServer
import Sockets
import Testing
import CIBASimulator
@testable import AgentDesk
@testable import CallerAuth

@Suite("Agent desk privacy")
struct PrivacyTests {
    @Test("no full number, password, token, session id or CSRF token in any answer, log line, event, audit line or page file")
    func nothingLeaks() async throws {
        let harness = try await DeskHarness()
        let server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled, handler: harness.desk.handler)
        let address = try server.start()
        let login = try await harness.login()
        let events = try await EventStreamReader(address, cookie: login.cookie)
        #expect(try await events.read(until: ": connected"))

        var file = try AgentsFile.read(path: harness.agentsFile)
        let token = try APIToken.make(label: "crm", agent: "alice")
        file.tokens.append(token.entry)
        try file.write(path: harness.agentsFile)

        let swedish = try await harness.startVerification(login, number: "19680202-0575", profile: "se-bankid", uniqueid: "1700000002.1")
        let norwegian = await harness.send("POST", "/api/v1/verifications", json: #"{"number":"270346 98436","profile":"no-bankid"}"#,
                                           bearer: token.token)
        #expect(norwegian.status == 201)
        _ = await harness.send("POST", "/api/v1/verifications", json: #"{"number":"196802020576","profile":"se-bankid"}"#,
                               cookie: login.cookie, csrf: login.csrf)
        _ = await harness.send("POST", "/api/v1/login", json: #"{"name":"alice","password":"Wrong-Secret-Typed-1"}"#)
        for txn in [swedish["txn"]?.stringValue, json(norwegian)["txn"]?.stringValue].compactMap({ $0 }) {
            _ = try await waitForAudit(harness, txn: txn)
            _ = await harness.send("GET", "/api/v1/verifications/\(txn)", cookie: login.cookie)
        }
        _ = await harness.send("GET", "/api/v1/calls/1700000002.1/verification", cookie: login.cookie)
        _ = await harness.send("GET", "/api/v1/verifications", cookie: login.cookie)
        #expect(try await events.read(until: #""numberMasked":"270346*****""#))
        await harness.desk.shutdown()
        _ = try await events.read(until: "event: shutdown")

        var pageFiles = ""
        for name in AgentPage.files.keys {
            pageFiles += try String(contentsOfFile: AgentPage.sourceDirectory + "/" + name, encoding: .utf8)
        }
        let said = harness.everythingSaid + "\n" + events.received
        let sessionID = String(login.cookie.split(separator: "=", maxSplits: 1).last ?? "")
        let secrets = ["196802020575", "6802020575", "19680202-0575", "27034698436", "270346 98436", "196802020576",
                       TestAgents.alicePassword, "Wrong-Secret-Typed-1", token.token]
        for secret in secrets {
            #expect(!said.contains(secret), "\(secret.prefix(6))… leaked")
            #expect(!pageFiles.contains(secret), "\(secret.prefix(6))… in the page")
        }
        // The session id and CSRF token travel only in Set-Cookie and the login/session answers.
        let logs = harness.logs.lines.joined(separator: "\n") + harness.audit.records.map(\.jsonLine).joined() + events.received
        #expect(!logs.contains(login.csrf))
        #expect(!logs.contains(sessionID))
        #expect(said.contains("19680202****"))  // masked numbers do appear
        await server.shutdown()
        await harness.shutdown()
    }
}
