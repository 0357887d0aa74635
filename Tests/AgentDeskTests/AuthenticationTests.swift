import Foundation
import HTTPServer
import JOSE
import Testing
@testable import AgentDesk

@Suite("Agent desk authentication")
struct AuthenticationTests {
    @Test("login sets an HttpOnly, SameSite=Strict cookie; the session answers the agent and CSRF token")
    func loginCookie() async throws {
        let harness = try await DeskHarness()
        let response = await harness.send("POST", "/api/v1/login", json: #"{"name":"alice","password":"\#(TestAgents.alicePassword)"}"#)
        #expect(response.status == 200)
        let cookie = try #require(response.header("Set-Cookie"))
        #expect(cookie.hasPrefix("ciba_desk="))
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] { #expect(cookie.contains(flag), "\(flag)") }
        #expect(!cookie.contains("Secure"))
        #expect(response.header("Cache-Control") == "no-store")
        let login = try await harness.login()
        let session = await harness.send("GET", "/api/v1/session", cookie: login.cookie)
        #expect(session.status == 200)
        #expect(json(session)["agent"]?.stringValue == "alice")
        #expect(json(session)["csrfToken"]?.stringValue == login.csrf)
        await harness.shutdown()
    }

    @Test("over TLS the cookie is __Host- and Secure")
    func secureCookie() async throws {
        let harness = try await DeskHarness(tls: true)
        let response = await harness.send("POST", "/api/v1/login", json: #"{"name":"alice","password":"\#(TestAgents.alicePassword)"}"#)
        let cookie = try #require(response.header("Set-Cookie"))
        #expect(cookie.hasPrefix("__Host-ciba_desk="))
        #expect(cookie.contains("; Secure"))
        #expect(response.header("Strict-Transport-Security") != nil)
        await harness.shutdown()
    }

    @Test("wrong password, unknown agent and missing fields: 401/400, logged without the password")
    func wrongCredentials() async throws {
        let harness = try await DeskHarness()
        let wrong = await harness.send("POST", "/api/v1/login", json: #"{"name":"alice","password":"Guessed-Password-123"}"#)
        #expect(wrong.status == 401)
        #expect(json(wrong)["error"]?.stringValue == "invalid_credentials")
        #expect(wrong.header("Set-Cookie") == nil)
        let unknown = await harness.send("POST", "/api/v1/login", json: #"{"name":"mallory","password":"Guessed-Password-123"}"#)
        #expect(unknown.status == 401)
        let typedIntoName = await harness.send("POST", "/api/v1/login", json: #"{"name":"my secret pw!","password":"x"}"#)
        #expect(typedIntoName.status == 401)
        #expect(await harness.send("POST", "/api/v1/login", json: #"{"name":"alice"}"#).status == 400)
        #expect(await harness.send("POST", "/api/v1/login", json: "not json").status == 400)
        let failures = harness.logs.records(event: "desk.login_failed")
        #expect(failures.count == 3)
        #expect(failures.first?["agent"] == "alice")
        let everything = harness.logs.lines.joined(separator: "\n")
        #expect(!everything.contains("Guessed-Password-123"))
        #expect(!everything.contains("my secret pw!"))
        await harness.shutdown()
    }

    @Test("five failures lock the name out with backoff, even for the right password; time unlocks it")
    func lockout() async throws {
        let harness = try await DeskHarness()
        for _ in 0..<5 {
            #expect(await harness.send("POST", "/api/v1/login", json: #"{"name":"bob","password":"wrong-wrong-wrong"}"#).status == 401)
        }
        let locked = await harness.send("POST", "/api/v1/login", json: #"{"name":"bob","password":"\#(TestAgents.bobPassword)"}"#)
        #expect(locked.status == 429)
        #expect(locked.header("Retry-After") == "30")
        // The address is locked too: another name from the same client is refused.
        let sameClient = await harness.send("POST", "/api/v1/login", json: #"{"name":"alice","password":"\#(TestAgents.alicePassword)"}"#)
        #expect(sameClient.status == 429)
        // Another client may still log in as alice.
        let otherClient = await harness.send("POST", "/api/v1/login", json: #"{"name":"alice","password":"\#(TestAgents.alicePassword)"}"#,
                                             remote: "198.51.100.7:40000")
        #expect(otherClient.status == 200)
        harness.clock.advance(31)
        // One more failure after the lockout doubles it.
        #expect(await harness.send("POST", "/api/v1/login", json: #"{"name":"bob","password":"wrong-wrong-wrong"}"#).status == 401)
        #expect(await harness.send("POST", "/api/v1/login", json: #"{"name":"bob","password":"\#(TestAgents.bobPassword)"}"#).header("Retry-After") == "60")
        harness.clock.advance(61)
        #expect(await harness.send("POST", "/api/v1/login", json: #"{"name":"bob","password":"\#(TestAgents.bobPassword)"}"#).status == 200)
        await harness.shutdown()
    }

    @Test("state changes need the session's CSRF token and a same-origin Origin: 403 otherwise")
    func csrf() async throws {
        let harness = try await DeskHarness()
        let login = try await harness.login()
        let body = #"{"number":"196802020575","profile":"se-bankid"}"#
        let missing = await harness.send("POST", "/api/v1/verifications", json: body, cookie: login.cookie)
        #expect(missing.status == 403)
        let wrong = await harness.send("POST", "/api/v1/verifications", json: body, cookie: login.cookie,
                                       csrf: String(login.csrf.reversed()))
        #expect(wrong.status == 403)
        let crossOrigin = await harness.send("POST", "/api/v1/verifications", json: body, cookie: login.cookie, csrf: login.csrf,
                                             headers: [("Origin", "https://evil.example")])
        #expect(crossOrigin.status == 403)
        let otherSession = try await harness.login("bob", TestAgents.bobPassword)
        #expect(await harness.send("DELETE", "/api/v1/verifications/00000000-0000-0000-0000-000000000000", cookie: login.cookie,
                                   csrf: otherSession.csrf).status == 403)
        #expect(await harness.send("POST", "/api/v1/logout", cookie: login.cookie).status == 403)
        #expect(harness.provider.requests.isEmpty)
        let sameOrigin = await harness.send("POST", "/api/v1/logout", cookie: login.cookie, csrf: login.csrf,
                                            headers: [("Origin", "https://desk.example:8443")])
        #expect(sameOrigin.status == 204)
        #expect(sameOrigin.header("Set-Cookie")?.contains("Max-Age=0") == true)
        #expect(await harness.send("GET", "/api/v1/session", cookie: login.cookie).status == 401)
        // Login itself refuses a cross-origin form.
        #expect(await harness.send("POST", "/api/v1/login", json: #"{"name":"alice","password":"\#(TestAgents.alicePassword)"}"#,
                                   headers: [("Origin", "null")]).status == 403)
        await harness.shutdown()
    }

    @Test("sessions end after the idle timeout and after their lifetime")
    func sessionExpiry() async throws {
        let harness = try await DeskHarness()
        let login = try await harness.login()
        harness.clock.advance(29 * 60)
        #expect(await harness.send("GET", "/api/v1/session", cookie: login.cookie).status == 200)
        harness.clock.advance(31 * 60)
        #expect(await harness.send("GET", "/api/v1/session", cookie: login.cookie).status == 401)
        let second = try await harness.login()
        for _ in 0..<17 {
            harness.clock.advance(29 * 60)
            _ = await harness.send("GET", "/api/v1/session", cookie: second.cookie)
        }
        #expect(await harness.send("GET", "/api/v1/session", cookie: second.cookie).status == 401)  // > 8 h
        await harness.shutdown()
    }

    @Test("API tokens: bearer works without CSRF, is stored hashed, and stops working once revoked")
    func tokens() async throws {
        let harness = try await DeskHarness()
        var file = try AgentsFile.read(path: harness.agentsFile)
        let made = try APIToken.make(label: "crm", agent: "bob")
        file.tokens.append(made.entry)
        try file.write(path: harness.agentsFile)
        #expect(!(try String(contentsOfFile: harness.agentsFile, encoding: .utf8)).contains(made.token))

        let session = await harness.send("GET", "/api/v1/session", bearer: made.token)
        #expect(session.status == 200)
        #expect(json(session)["agent"]?.stringValue == "bob")
        #expect(json(session)["csrfToken"] == nil)  // a bearer token needs no CSRF token
        let started = await harness.send("POST", "/api/v1/verifications", json: #"{"number":"196802020575","profile":"se-bankid"}"#,
                                         bearer: made.token)
        #expect(started.status == 201)
        #expect(json(started)["initiator"]?.stringValue == "bob")
        #expect(await harness.send("GET", "/api/v1/session", bearer: made.token + "x").status == 401)
        #expect(await harness.send("GET", "/api/v1/session", headers: [("Authorization", "Basic Ym9iOng=")]).status == 401)

        file.tokens.removeAll()
        try file.write(path: harness.agentsFile)
        #expect(await harness.send("GET", "/api/v1/session", bearer: made.token).status == 401)
        #expect(!harness.everythingSaid.contains(made.token))
        await harness.shutdown()
    }
}
