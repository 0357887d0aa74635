import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import CIBASimulator
import NetworkTesting
import Sockets
@testable import CallerAuth

/// The built `ciba-agi` as a subprocess: serve + simulate-call + SIGTERM drain, privacy of all
/// output, demo, check-config, exit codes.
@Suite("ciba-agi executable", .serialized)
struct ExecutableTests {
    static let swedishNumber = SimulatedPerson.demoNumber      // 196802020575
    static let norwegianNumber = SimulatedPerson.norwegianDemoNumber

    /// The port a child bound for `key` (`agi=127.0.0.1:PORT` in a log line, or the issuer URL),
    /// read from its own output: children listen on port 0, so no port is ever reused by a race.
    static func boundPort(_ key: String, in text: String) throws -> UInt16 {
        let pattern = try Regex("\(key)\"?127\\.0\\.0\\.1:([0-9]+)")
        guard let match = text.firstMatch(of: pattern), let port = UInt16(match.output[1].substring ?? "") else {
            throw SubprocessError(message: "no \(key) port in: \(text.prefix(2000))")
        }
        return port
    }

    static func writeConfiguration(directory: String, issuer: URL, agiPort: UInt16, opsPort: UInt16, secret: String) throws -> String {
        let secretFile = directory + "/client-secret"
        try (secret + "\n").write(toFile: secretFile, atomically: true, encoding: .utf8)
        let json = """
        {
          "listen": "127.0.0.1:\(agiPort)",
          "allowedClients": ["127.0.0.1/32"],
          "opsListen": "127.0.0.1:\(opsPort)",
          "auditLog": "\(directory)/audit.jsonl",
          "logLevel": "debug",
          "provider": {"issuer": "\(issuer.absoluteString)", "clientId": "\(SimulatorConfiguration.demoClientID)",
                       "clientAuth": "client_secret_basic", "clientSecretFile": "client-secret", "requestTimeoutSeconds": 60},
          "defaultProfile": "se-bankid",
          "profiles": {
            "se-bankid": {"numberKind": "se-personnummer", "acrValues": "urn:grn:authn:se:bankid",
                          "bindingMessage": "Test bank", "callInitiator": "user", "numberClaim": "ssn"},
            "no-bankid": {"numberKind": "no-fodselsnummer", "acrValues": "urn:grn:authn:no:bankid", "numberClaim": "socialno"}
          },
          "drainTimeoutSeconds": 300
        }
        """
        let path = directory + "/ciba-agi.json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func waitFor(_ text: String, in child: Subprocess, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !child.stderr.contains(text) {
            guard child.isRunning else { throw SubprocessError(message: "exited early: \(child.stderr)") }
            guard ContinuousClock.now < deadline else { throw SubprocessError(message: "no '\(text)' in time: \(child.stderr)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func fetch(_ url: String) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
        return String(decoding: data, as: UTF8.self)
    }

    @Test func serveHandlesCallsDrainsOnSIGTERMAndNeverPrintsANumber() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var simulator = SimulatorConfiguration.demo
        simulator.interval = 1
        var persons = SimulatedPerson.catalog
        if let index = persons.firstIndex(where: { $0.number == Self.swedishNumber }) { persons[index].outcome = .approve(afterPolls: 3) }
        simulator.persons = persons
        let provider = SimulatedProvider(configuration: simulator)
        let issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0"))
        defer { Task { await provider.shutdown() } }
        // The AGI port is reserved, not port 0: after SIGTERM the test checks that nothing
        // accepts there, and a freed port could be given to another test's server meanwhile.
        let reservedAGIPort = try ReservedPort()
        defer { reservedAGIPort.release() }
        let config = try Self.writeConfiguration(directory: directory, issuer: issuer, agiPort: reservedAGIPort.port, opsPort: 0,
                                                 secret: SimulatorConfiguration.demoClientSecret)

        let serve = try Subprocess(["serve", "--config", config], directory: directory)
        defer { serve.kill() }
        try await Self.waitFor("server.started", in: serve)
        let startedLine = serve.stderr.split(separator: "\n").first { $0.contains("server.started") }.map(String.init) ?? ""
        let agiPort = try Self.boundPort("agi=", in: startedLine)
        #expect(agiPort == reservedAGIPort.port)
        let opsPort = try Self.boundPort("ops=", in: startedLine)

        // Call 1: Swedish, to completion.
        let (status1, out1, err1) = try await Subprocess.run(
            ["simulate-call", "--agi", "agi://127.0.0.1:\(agiPort)/caller-auth", "--profile", "se-bankid",
             "--options", "initiator=rp", "--dtmf", Self.swedishNumber + "#", "--dtmf-at", "1.5"], directory: directory)
        #expect(status1 == 0, "\(err1)")
        #expect(out1.contains("CIBA_STATUS=VERIFIED"), "\(out1)")
        #expect(out1.contains("CIBA_NAME=Terne Paulsen"))
        #expect(provider.requests.contains { $0.endpoint == .backchannel && $0.callInitiator == "RP" })

        let health = try await Self.fetch("http://127.0.0.1:\(opsPort)/healthz")
        #expect(health.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        let metrics = try await Self.fetch("http://127.0.0.1:\(opsPort)/metrics")
        #expect(metrics.contains("ciba_agi_outcomes_total{status=\"VERIFIED\"} 1"))
        #expect(metrics.contains("ciba_agi_provider_requests_total{endpoint=\"bc-authorize\",status=\"200\"} 1"))

        // Call 2: Norwegian (word pair); SIGTERM while it is polling. The call must finish.
        let tokenRequestsBefore = provider.requests.filter { $0.endpoint == .token }.count
        let call2 = try Subprocess(
            ["simulate-call", "--agi", "agi://127.0.0.1:\(agiPort)/caller-auth", "--profile", "no-bankid",
             "--dtmf", Self.norwegianNumber + "#", "--dtmf-at", "1.5", "--language", "nb"], directory: directory)
        let deadline = ContinuousClock.now + .seconds(40)
        while provider.requests.filter({ $0.endpoint == .token }).count == tokenRequestsBefore {
            guard ContinuousClock.now < deadline, call2.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(call2.isRunning, "the second call is still in progress when SIGTERM is sent")
        serve.terminate()   // SIGTERM
        // New connections are refused at once while the call in progress drains: the server
        // logs `agi.server.draining` once its listener is closed.
        try await Self.waitFor("agi.server.draining", in: serve)
        await #expect(throws: (any Error).self) {
            let connection = try await TCPConnection.connect(to: try SocketAddress.parse("127.0.0.1:\(agiPort)"), timeout: .seconds(2))
            connection.close()
        }
        #expect(try await call2.wait(timeout: .seconds(40)) == 0)
        let out2 = call2.stdout
        #expect(out2.contains("CIBA_STATUS=VERIFIED"), "\(out2)")
        #expect(out2.contains("CIBA_BINDING_MESSAGE="))
        #expect(try await serve.wait(timeout: .seconds(30)) == 0)

        let audit = try String(contentsOfFile: directory + "/audit.jsonl", encoding: .utf8)
        let records = audit.split(separator: "\n")
        #expect(records.count == 2)
        #expect(records.last?.contains("\"status\":\"VERIFIED\"") == true)
        #expect(records.last?.contains("\"numberMasked\":\"270346*****\"") == true)
        #expect(records.first?.contains("\"numberMasked\":\"19680202****\"") == true)

        // Privacy: no full number anywhere in the output of the whole run.
        let log = serve.stderr
        #expect(log.contains("event=session.end"))
        #expect(log.contains("event=server.signal"))
        let everything = [log, serve.stdout, audit, metrics, out1, err1, out2, call2.stderr]
        for number in [Self.swedishNumber, String(Self.swedishNumber.dropFirst(2)), Self.norwegianNumber] {
            for (index, text) in everything.enumerated() {
                #expect(!text.contains(number), "output \(index) contains a full personal number")
            }
        }
        #expect(!log.contains(SimulatorConfiguration.demoClientSecret))
    }

    @Test func demoExitsZeroAndShowsNoFullNumber() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (status, out, err) = try await Subprocess.run(["demo", "--verbose"], directory: directory, timeout: .seconds(50))
        #expect(status == 0, "\(out)\n\(err)")
        #expect(out.contains("Result: CIBA_STATUS=VERIFIED"))
        #expect(out.contains("== Provider exchanges"))
        #expect(out.contains("ciba/open-app"))
        #expect(!out.contains(Self.swedishNumber) && !err.contains(Self.swedishNumber))
        #expect(!out.contains(String(Self.swedishNumber.dropFirst(2))))
    }

    @Test func checkConfigAgainstTheSimulator() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let provider = SimulatedProvider()
        let issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0"))
        defer { Task { await provider.shutdown() } }
        let good = try Self.writeConfiguration(directory: directory, issuer: issuer, agiPort: 4573, opsPort: 9464,
                                               secret: SimulatorConfiguration.demoClientSecret)
        let (status, out, _) = try await Subprocess.run(["check-config", "--config", good], directory: directory)
        #expect(status == 0, "\(out)")
        #expect(out.contains("ok: client credentials accepted"))
        #expect(out.contains("ok: JWKS"))
        #expect(out.contains("install the prompts"))
        // Wrong secret (from the environment, which wins over the file): rejected, exit 1.
        let (badStatus, badOut, _) = try await Subprocess.run(["check-config", "--config", good],
                                                              environment: ["CIBA_AGI_CLIENT_SECRET": "wrong-secret"], directory: directory)
        #expect(!badOut.contains("ok: client credentials accepted"))
        #expect(!badOut.contains("wrong-secret"))
        #expect(badStatus == 1)
        #expect(badOut.contains("problem: client credentials rejected"))
        // An invalid file: one line per problem on stderr, exit 2.
        let broken = directory + "/broken.json"
        try #"{"listen": "x", "colour": 1, "provider": {"issuer": "https://a.example", "clientId": "c"}, "profiles": {"a": {}}}"#
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let (brokenStatus, _, brokenErr) = try await Subprocess.run(["check-config", "--config", broken], directory: directory)
        #expect(brokenStatus == 2)
        let lines = brokenErr.split(separator: "\n")
        #expect(lines.count == 5, "\(brokenErr)")   // listen, colour, auditLog dir, secret, numberKind
        #expect(lines.allSatisfy { $0.hasPrefix("ciba-agi: config ") })
    }

    @Test func usageErrorsAndVersion() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (version, out, _) = try await Subprocess.run(["--version"], directory: directory)
        #expect(version == 0 && out.hasPrefix("ciba-agi "))
        let (unknown, _, err) = try await Subprocess.run(["frobnicate"], directory: directory)
        #expect(unknown == 2 && err.split(separator: "\n").count == 1)
        let (badOption, _, err2) = try await Subprocess.run(["serve", "--colour", "x"], directory: directory)
        #expect(badOption == 2 && err2.contains("unknown option --colour"))
        for command in ["serve", "demo", "simulate-call", "mock-provider", "check-config"] {
            let (help, text, _) = try await Subprocess.run([command, "--help"], directory: directory)
            #expect(help == 0 && text.contains("usage: ciba-agi \(command)"))
        }
        let (missing, _, err3) = try await Subprocess.run(["serve", "--config", directory + "/none.json"], directory: directory)
        #expect(missing == 2 && err3.contains("no such file"))
    }
}

extension ExecutableTests {
    /// Issue 9's "done when": `demo --agent` on a fresh machine prints a login that works, an
    /// agent verifies the Swedish test person through the desk's API, and SIGTERM stops it with 0.
    @Test func demoAgentDeskVerifiesATestPersonAndStopsOnSIGTERM() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try Subprocess(["demo", "--agent", "--listen", "127.0.0.1:0"], directory: directory)
        defer { child.kill() }
        let deadline = ContinuousClock.now + .seconds(60)
        while !child.stdout.contains("The API:") {
            guard ContinuousClock.now < deadline, child.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let out = child.stdout
        let openLine = try #require(out.split(separator: "\n").first { $0.contains("open:") }, "\(out)\n\(child.stderr)")
        let base = String(try #require(openLine.split(separator: " ").last)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let loginLine = try #require(out.split(separator: "\n").first { $0.contains("log in:") })
        let password = String(try #require(loginLine.split(separator: "/").last?.split(separator: " ").first))
        #expect(password.count >= 16, "a random one-time password")

        func call(_ method: String, _ path: String, body: String? = nil, cookie: String? = nil, csrf: String? = nil)
            async throws -> (Int, String, HTTPURLResponse) {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = method
            request.httpShouldHandleCookies = false
            request.timeoutInterval = 60
            if let body {
                request.httpBody = Data(body.utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            if let cookie { request.setValue(cookie, forHTTPHeaderField: "Cookie") }
            if let csrf { request.setValue(csrf, forHTTPHeaderField: "X-CSRF-Token") }
            let (data, response) = try await URLSession.shared.data(for: request)
            let http = try #require(response as? HTTPURLResponse)
            return (http.statusCode, String(decoding: data, as: UTF8.self), http)
        }
        func field(_ name: String, _ json: String) throws -> String? {
            let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            return object?[name] as? String
        }

        let (wrong, _, _) = try await call("POST", "/api/v1/login", body: #"{"name":"demo","password":"not-it"}"#)
        #expect(wrong == 401)
        let (status, login, response) = try await call("POST", "/api/v1/login", body: #"{"name":"demo","password":"\#(password)"}"#)
        #expect(status == 200, "\(login)")
        let setCookie = try #require(response.value(forHTTPHeaderField: "Set-Cookie"))
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
        let cookie = String(try #require(setCookie.split(separator: ";").first))
        let csrf = try #require(try field("csrfToken", login))

        let (created, startBody, _) = try await call("POST", "/api/v1/verifications",
                                                      body: #"{"number":"\#(Self.swedishNumber)","profile":"se-bankid"}"#,
                                                      cookie: cookie, csrf: csrf)
        #expect(created == 201, "\(startBody)")
        let txn = try #require(try field("txn", startBody))
        var final = ""
        while ContinuousClock.now < deadline {
            let (_, body, _) = try await call("GET", "/api/v1/verifications/\(txn)", cookie: cookie)
            final = body
            if let state = try field("status", body), !["started", "pending"].contains(state) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try field("status", final) == "verified", "\(final)")
        #expect(final.contains("Terne Paulsen"))

        child.terminate()
        #expect(try await child.wait(timeout: .seconds(30)) == 0)
        // The banner on stdout names the public test persons on purpose; logs and API answers never do.
        for text in [child.stderr, startBody, final] {
            #expect(!text.contains(Self.swedishNumber) && !text.contains(String(Self.swedishNumber.dropFirst(2))))
        }
        #expect(!child.stderr.contains(password), "the one-time password is printed once, never logged")
    }

    @Test func mockProviderServesDiscoveryAndStopsOnSIGTERM() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let child = try Subprocess(["mock-provider", "--listen", "127.0.0.1:0"], directory: directory)
        defer { child.kill() }
        let deadline = ContinuousClock.now + .seconds(30)
        while !child.stdout.contains("issuer:") {
            guard ContinuousClock.now < deadline, child.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let port = try Self.boundPort("issuer:        http://", in: child.stdout)
        let discovery = try await Self.fetch("http://127.0.0.1:\(port)/.well-known/openid-configuration")
        #expect(discovery.contains("backchannel_authentication_endpoint"))
        child.terminate()
        #expect(try await child.wait(timeout: .seconds(20)) == 0)
    }
}
