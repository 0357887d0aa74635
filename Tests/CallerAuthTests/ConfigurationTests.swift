import Foundation
import Testing
import CIBA
import JOSE
import Sockets
@testable import CallerAuth

@Suite("configuration")
struct ConfigurationTests {
    /// A scratch directory with helpers to write files into it.
    struct Scratch {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "ciba-agi-config-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        func write(_ name: String, _ text: String) throws -> String {
            let file = path + "/" + name
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    func load(_ json: String, scratch: Scratch, environment: [String: String] = [:]) throws -> Configuration {
        try ConfigurationLoader.load(data: Data(json.utf8), baseDirectory: scratch.path, environment: environment)
    }

    func problems(_ json: String, scratch: Scratch, environment: [String: String] = [:]) -> [ConfigurationProblem] {
        do {
            _ = try load(json, scratch: scratch, environment: environment)
            return []
        } catch let error as ConfigurationError {
            return error.problems
        } catch {
            return [ConfigurationProblem(path: "?", "\(error)")]
        }
    }

    func minimal(_ scratch: Scratch, provider: String = #""issuer": "https://idp.example", "clientId": "c1", "clientSecret": "inline-secret""#) -> String {
        """
        {"auditLog": "\(scratch.path)/audit.jsonl", "provider": {\(provider)},
         "profiles": {"se": {"numberKind": "se-personnummer"}}}
        """
    }

    @Test func minimalConfigurationGetsTheContractDefaults() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let configuration = try load(minimal(scratch), scratch: scratch)
        #expect(configuration.listen == [try SocketAddress.parse("127.0.0.1:4573")])
        #expect(configuration.opsListen == (try SocketAddress.parse("127.0.0.1:9464")))
        #expect(configuration.allowedClientsText == ["127.0.0.1/32", "::1/128"])
        #expect(configuration.maxAttempts == 3)
        #expect(configuration.drainTimeoutSeconds == 30)
        #expect(configuration.musicOnHoldClass == "default")
        #expect(configuration.rateLimits == RateLimitSettings(perCallerPer10Min: 5, perNumberPer10Min: 3))
        #expect(configuration.defaultProfile == "se")
        #expect(configuration.provider.requestTimeoutSeconds == 10)
        #expect(configuration.provider.authenticationName == "client_secret_basic")
        let profile = try #require(configuration.profiles["se"])
        #expect(profile.loginHint == "sub:ssn:{number}")
        #expect(profile.numberClaim == "ssn")
        #expect(profile.callInitiator == .user)
        #expect(profile.wordPairStrategy == .alpha)
        #expect(!profile.exposeIDNumber)
    }

    @Test func everyProblemIsReportedWithItsPath() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let json = """
        {
          "listen": "127.0.0.1:99999",
          "allowedClients": ["10.0.0.0/33", "127.0.0.1/32"],
          "opsListen": "nowhere",
          "auditLog": "/nonexistent-dir/audit.jsonl",
          "colour": "blue",
          "logLevel": "chatty",
          "maxAttempts": 0,
          "provider": {"issuer": "http://idp.example.com", "clientId": "c1", "clientAuth": "client_secret_basic", "timeout": 3},
          "defaultProfile": "missing",
          "profiles": {
            "se": {"numberKind": "se-personnumer", "acrValues": "x", "bindingMesage": "typo"},
            "no": {"numberKind": "no-fodselsnummer", "bindingMessage": "not allowed", "wordPairStrategy": "morse"},
            "tts": {"numberKind": "no-fodselsnummer", "wordPairStrategy": "tts"},
            "claims": {"numberKind": "se-personnummer", "claimVariables": {"email": "bad name"}, "extraParameters": {"login_hint": "x"}}
          }
        }
        """
        let found = problems(json, scratch: scratch)
        let paths = Set(found.map(\.path))
        let expected: Set<String> = [
            "listen", "allowedClients[0]", "opsListen", "auditLog", "colour", "logLevel", "maxAttempts",
            "provider.issuer", "provider.timeout", "provider.clientSecretFile", "defaultProfile",
            "profiles.se.numberKind", "profiles.se.bindingMesage",
            "profiles.no.bindingMessage", "profiles.no.wordPairStrategy",
            "profiles.tts.wordPairTTS",
            "profiles.claims.claimVariables.email", "profiles.claims.extraParameters.login_hint",
        ]
        #expect(paths == expected, "\(found.map(\.description).joined(separator: "\n"))")
        #expect(found.count == expected.count)
        // One line each, and each line names its path.
        for problem in found {
            #expect(!problem.description.contains("\n"))
            #expect(problem.description.hasPrefix(problem.path + ": "))
        }
    }

    /// Found by the config fuzz target: the problems of a string map (`claimVariables`,
    /// `extraParameters`) came in the order of a Dictionary, which differs between two loads of
    /// the same file, so `check-config` printed the same file's problems in another order each
    /// time. Eight non-string values: the old order matched by chance once in 40,320 loads.
    @Test func problemsOfAStringMapComeInKeyOrderEveryTime() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let keys = ["h", "c", "f", "a", "g", "b", "e", "d"]
        let map = keys.map { #""\#($0)": 1"# }.joined(separator: ", ")
        let json = minimal(scratch).replacingOccurrences(
            of: #""numberKind": "se-personnummer""#,
            with: #""numberKind": "se-personnummer", "claimVariables": {\#(map)}, "extraParameters": {\#(map)}"#)
        let expected = ["claimVariables", "extraParameters"].flatMap { field in
            keys.sorted().map { "profiles.se.\(field).\($0)" }
        }
        for _ in 0..<3 {
            #expect(problems(json, scratch: scratch).map(\.path) == expected)
        }
    }

    @Test func unreadableKeyFileAndBadPEMAreReported() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let missing = problems(minimal(scratch, provider: #""issuer": "https://idp.example", "clientId": "c", "clientAuth": "private_key_jwt", "privateKeyFile": "nope.pem""#), scratch: scratch)
        #expect(missing.map(\.path) == ["provider.privateKeyFile"])
        #expect(missing.first?.message.contains("does not exist") == true)
        _ = try scratch.write("bad.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        let bad = problems(minimal(scratch, provider: #""issuer": "https://idp.example", "clientId": "c", "clientAuth": "private_key_jwt", "privateKeyFile": "bad.pem""#), scratch: scratch)
        #expect(bad.map(\.path) == ["provider.privateKeyFile"])
        let key = try PrivateKey.generateP256()
        _ = try scratch.write("good.pem", try key.pemPKCS8())
        let configuration = try load(minimal(scratch, provider: #""issuer": "https://idp.example", "clientId": "c", "privateKeyFile": "good.pem", "keyId": "k1""#), scratch: scratch)
        #expect(configuration.provider.authenticationName == "private_key_jwt")
    }

    @Test func environmentWinsOverFileWinsOverInline() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let secretFile = try scratch.write("secret", "from-file\n")
        let provider = #""issuer": "https://idp.example", "clientId": "c1", "clientSecret": "inline", "clientSecretFile": "\#(secretFile)""#
        func secret(_ configuration: Configuration) -> String? {
            if case .clientSecretBasic(let secret) = configuration.provider.authentication { return secret }
            return nil
        }
        #expect(secret(try load(minimal(scratch, provider: provider), scratch: scratch)) == "from-file")
        let environment = ["CIBA_AGI_CLIENT_SECRET": "from-env", "CIBA_AGI_CLIENT_ID": "env-client",
                           "CIBA_AGI_ISSUER": "https://env-idp.example", "CIBA_AGI_LISTEN": "0.0.0.0:4600,[::1]:4601"]
        let overridden = try load(minimal(scratch, provider: provider), scratch: scratch, environment: environment)
        #expect(secret(overridden) == "from-env")
        #expect(overridden.provider.clientID == "env-client")
        #expect(overridden.provider.issuer.absoluteString == "https://env-idp.example")
        #expect(overridden.listen == [try SocketAddress.parse("0.0.0.0:4600"), try SocketAddress.parse("[::1]:4601")])
        let inlineOnly = #""issuer": "https://idp.example", "clientId": "c1", "clientSecret": "inline""#
        #expect(secret(try load(minimal(scratch, provider: inlineOnly), scratch: scratch)) == "inline")
        // A missing secret is reported; the environment alone is enough.
        let none = #""issuer": "https://idp.example", "clientId": "c1""#
        #expect(problems(minimal(scratch, provider: none), scratch: scratch).map(\.path) == ["provider.clientSecretFile"])
        #expect(secret(try load(minimal(scratch, provider: none), scratch: scratch, environment: ["CIBA_AGI_CLIENT_SECRET": "e"])) == "e")
    }

    @Test func plainHTTPOnlyForLoopbackOrWhenAllowed() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        for issuer in ["http://127.0.0.1:8480", "http://localhost:8480", "http://[::1]:8480"] {
            #expect(problems(minimal(scratch, provider: #""issuer": "\#(issuer)", "clientId": "c", "clientSecret": "s""#), scratch: scratch).isEmpty)
        }
        #expect(problems(minimal(scratch, provider: #""issuer": "http://idp.lab", "clientId": "c", "clientSecret": "s""#), scratch: scratch).map(\.path) == ["provider.issuer"])
        #expect(problems(minimal(scratch, provider: #""issuer": "http://idp.lab", "clientId": "c", "clientSecret": "s", "allowInsecureHTTP": true"#), scratch: scratch).isEmpty)
        #expect(problems(minimal(scratch, provider: #""issuer": "https://idp.example", "clientId": "c", "clientSecret": "s", "tokenEndpoint": "http://evil.example/token""#), scratch: scratch).map(\.path) == ["provider.tokenEndpoint"])
    }

    @Test func problemsNeverContainTheSecret() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let json = #"{"provider": {"issuer": "ftp://x", "clientId": "c", "clientSecret": "TOPSECRET-42", "clientAuth": "magic"}, "profiles": {}}"#
        let found = problems(json, scratch: scratch)
        #expect(found.count >= 3)
        #expect(!found.map(\.description).joined().contains("TOPSECRET"))
    }

    @Test func malformedJSONIsOneProblem() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(throws: ConfigurationError.self) { try load("{\"listen\": ", scratch: scratch) }
        let found = problems("[1,2]", scratch: scratch)
        #expect(found.count == 1)
    }

    @Test func shippedExampleConfigurationIsValid() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var text = try String(contentsOf: root.appendingPathComponent("ciba-agi.example.json"), encoding: .utf8)
        let keyFile = try scratch.write("client-key.pem", try PrivateKey.generateRSA(bits: 2048).pemPKCS8())
        text = text.replacingOccurrences(of: "/etc/ciba-agi/client-key.pem", with: keyFile)
            .replacingOccurrences(of: "/var/log/ciba-agi/audit.jsonl", with: scratch.path + "/audit.jsonl")
        let configuration = try load(text, scratch: scratch)
        #expect(Set(configuration.profiles.keys) == ["se-bankid", "no-bankid", "no-bankid-tts", "se-frejaid", "authway-se-bankid", "transmit-phone", "generic"])
        #expect(configuration.profiles["no-bankid"]?.bindingMessage == nil)
        #expect(configuration.profiles["authway-se-bankid"]?.loginHint == "{number}")
        #expect(configuration.profiles["transmit-phone"]?.loginHintSource == .callerID)
        #expect(configuration.profiles["no-bankid-tts"]?.wordPairStrategy.name == "tts")
        #expect(configuration.provider.authenticationName == "private_key_jwt")
    }

    @Test func verificationRetentionAndLogCallerID() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let base = minimal(scratch)
        let defaults = try load(base, scratch: scratch)
        #expect(defaults.verificationRetentionMinutes == 60)
        #expect(defaults.logCallerID == false)
        let set = try load(base.replacingOccurrences(of: "{", with: #"{"verificationRetentionMinutes": 15, "logCallerId": true, "#, options: [], range: base.range(of: "{")), scratch: scratch)
        #expect(set.verificationRetentionMinutes == 15)
        #expect(set.logCallerID == true)
        let bad = problems(base.replacingOccurrences(of: "{", with: #"{"verificationRetentionMinutes": 0, "logCallerId": "yes", "#, options: [], range: base.range(of: "{")), scratch: scratch)
        #expect(bad.map(\.path).sorted() == ["logCallerId", "verificationRetentionMinutes"])
    }
}
