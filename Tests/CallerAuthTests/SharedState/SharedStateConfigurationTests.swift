import Foundation
import Testing
import RESP
@testable import CallerAuth

@Suite("sharedState configuration")
struct SharedStateConfigurationTests {
    typealias Scratch = ConfigurationTests.Scratch

    func json(_ scratch: Scratch, _ extra: String) -> String {
        """
        {"auditLog": "\(scratch.path)/audit.jsonl",
         "provider": {"issuer": "https://idp.example", "clientId": "c1", "clientSecret": "inline-secret"},
         "profiles": {"se": {"numberKind": "se-personnummer"}}\(extra.isEmpty ? "" : ", " + extra)}
        """
    }

    func load(_ text: String, _ scratch: Scratch) throws -> Configuration {
        try ConfigurationLoader.load(data: Data(text.utf8), baseDirectory: scratch.path, environment: [:])
    }

    func problems(_ text: String, _ scratch: Scratch) -> [String] {
        do {
            _ = try load(text, scratch)
            return []
        } catch let error as ConfigurationError {
            return error.problems.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func withoutTheBlockEveryServerKeepsItsOwnState() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(try load(json(scratch, ""), scratch).sharedState == nil)
    }

    @Test func passwordFileAndDefaults() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try scratch.write("redis-password", "s3cret-pass\n")
        let configuration = try load(json(scratch, #""sharedState": {"redis": "redis://app:@10.0.0.5:6380/2", "passwordFile": "redis-password"}"#), scratch)
        let shared = try #require(configuration.sharedState)
        #expect(shared.endpoint == RedisEndpoint(host: "10.0.0.5", port: 6380, database: 2, username: "app", password: "s3cret-pass"))
        #expect(shared.keyPrefix == "ciba-agi:")
        #expect(shared.timeout == .milliseconds(200))
        #expect(shared.failureMode == .local)
        #expect(shared.keySecretSource == "password")
        #expect(shared.keySecret == KeyNameHasher.derive(from: "s3cret-pass", label: SharedStateLoader.passwordDerivationLabel))
        #expect(shared.keySecret != Array("s3cret-pass".utf8))
        // Not loopback and no TLS: said, and the password is nowhere in the words.
        #expect(shared.warnings.count == 1)
        #expect(shared.warnings.allSatisfy { !$0.contains("s3cret-pass") })
    }

    @Test func everyKeyAndTheClosedMode() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try scratch.write("key-secret", "0123456789abcdef0123456789abcdef")
        let text = json(scratch, #""sharedState": {"redis": "redis://127.0.0.1:6379/0", "keySecretFile": "key-secret", "keyPrefix": "bank-a:", "timeoutMilliseconds": 150}, "sharedStateFailure": "closed""#)
        let shared = try #require(try load(text, scratch).sharedState)
        #expect(shared.keyPrefix == "bank-a:")
        #expect(shared.timeout == .milliseconds(150))
        #expect(shared.failureMode == .closed)
        #expect(shared.keySecretSource == "keySecretFile")
        #expect(shared.keySecret == Array("0123456789abcdef0123456789abcdef".utf8))
        #expect(shared.warnings.isEmpty)
    }

    @Test func aPasswordInTheURLIsAWarningThatNeverShowsIt() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let shared = try #require(try load(json(scratch, #""sharedState": {"redis": "redis://:hunter2-secret@127.0.0.1:6379/0"}"#), scratch).sharedState)
        #expect(shared.endpoint.password == "hunter2-secret")
        #expect(shared.warnings.contains { $0.contains("passwordFile") })
        #expect(shared.warnings.allSatisfy { !$0.contains("hunter2-secret") })
        #expect(!"\(shared.endpoint)".contains("hunter2-secret"))
    }

    @Test func mistakesAreOneClearLineEach() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let cases: [(String, String)] = [
            (#""sharedState": {"redis": "http://127.0.0.1:6379"}"#, "sharedState.redis: the scheme must be redis:// or rediss://"),
            (#""sharedState": {"redis": "redis://127.0.0.1:99999/0", "keySecretFile": "k"}"#, "sharedState.redis: the port must be a number from 1 to 65535"),
            (#""sharedState": {"passwordFile": "p"}"#, "sharedState.redis: missing"),
            (#""sharedState": {"redis": "redis://:pw@127.0.0.1:6379", "timeout": 5}"#, "sharedState.timeout: unknown key"),
            (#""sharedState": {"redis": "redis://127.0.0.1:6379", "keySecretFile": "nope"}"#, "sharedState.keySecretFile: \(scratch.path)/nope does not exist"),
            (#""sharedState": {"redis": "redis://127.0.0.1:6379"}"#, "sharedState.keySecretFile: missing"),
            (#""sharedState": {"redis": "redis://:pw@127.0.0.1:6379", "keyPrefix": "has space"}"#, "sharedState.keyPrefix: must be 1 to 64"),
            (#""sharedState": {"redis": "redis://:pw@127.0.0.1:6379", "timeoutMilliseconds": 0}"#, "sharedState.timeoutMilliseconds: expected a whole number from 10 to 10000"),
            (#""sharedState": {"redis": "redis://:pw@127.0.0.1:6379", "caFile": "ca.pem"}"#, "sharedState.caFile: \(scratch.path)/ca.pem does not exist"),
            (#""sharedStateFailure": "open""#, "sharedStateFailure: \"open\" is not a mode"),
            (#""sharedStateFailure": "closed""#, "sharedStateFailure: set, but sharedState is not"),
        ]
        for (extra, expected) in cases {
            let found = problems(json(scratch, extra), scratch)
            #expect(found.count == 1 && found[0].hasPrefix(expected), "\(extra) gave \(found)")
        }
    }

    @Test func aShortKeySecretAndTwoPasswordsAreRefused() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try scratch.write("short", "tooshort")
        _ = try scratch.write("pw", "file-password")
        #expect(problems(json(scratch, #""sharedState": {"redis": "redis://127.0.0.1:6379", "keySecretFile": "short"}"#), scratch).first?
            .hasPrefix("sharedState.keySecretFile: \(scratch.path)/short holds fewer than 16 bytes") == true)
        let both = problems(json(scratch, #""sharedState": {"redis": "redis://:url-password@127.0.0.1:6379", "passwordFile": "pw"}"#), scratch)
        #expect(both.count == 1 && both[0].hasPrefix("sharedState.passwordFile: set, and the redis URL has a password too"))
        #expect(both.allSatisfy { !$0.contains("url-password") && !$0.contains("file-password") })
    }

    @Test func keyNamesAreKeyedHashesThatDependOnTheSecret() {
        let a = KeyNameHasher(secret: Array("secret-one-secret-one".utf8))
        let b = KeyNameHasher(secret: Array("secret-two-secret-two".utf8))
        let number = "196802020575"
        #expect(a.hash(number, kind: "number").count == 64)
        #expect(a.hash(number, kind: "number") == a.hash(number, kind: "number"))
        #expect(a.hash(number, kind: "number") != b.hash(number, kind: "number"))
        #expect(a.hash(number, kind: "number") != a.hash(number, kind: "caller"))
        #expect(!a.hash(number, kind: "number").contains(number))
        // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
        #expect(KeyNameHasher.hex(KeyNameHasher.hmacSHA256(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
