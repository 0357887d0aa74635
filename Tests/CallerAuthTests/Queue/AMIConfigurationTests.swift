import Foundation
import Testing
import AGITesting
import AMI
import NetworkTesting
import Sockets
@testable import CallerAuth

/// The `ami` block: loopback only (the manager protocol is clear text), the secret from a
/// file or `CIBA_AGI_AMI_SECRET`, every problem one line naming its key, never the secret.
@Suite("ami configuration")
struct AMIConfigurationTests {
    static let secret = "s3cret-ami-Value"

    static func load(_ ami: String, environment: [String: String] = [:]) throws -> Configuration {
        let json = """
        {"provider": {"issuer": "http://127.0.0.1:1", "clientId": "c", "clientAuth": "client_secret_basic", "clientSecret": "s"},
         "auditLog": null, "profiles": {"se": {"numberKind": "se-personnummer"}}, "ami": \(ami)}
        """
        return try ConfigurationLoader.load(data: Data(json.utf8), baseDirectory: NSTemporaryDirectory(), environment: environment)
    }

    static func problems(_ ami: String, environment: [String: String] = [:]) -> [ConfigurationProblem] {
        do {
            _ = try load(ami, environment: environment)
            return []
        } catch let error as ConfigurationError {
            return error.problems
        } catch {
            return [ConfigurationProblem(path: "?", "\(error)")]
        }
    }

    static func secretFile() throws -> String {
        let path = NSTemporaryDirectory() + "ciba-ami-secret-\(UUID().uuidString)"
        try (secret + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func loopbackWithASecretFile() throws {
        let file = try Self.secretFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let configuration = try Self.load(#"{"host": "127.0.0.1", "port": 5038, "username": "ciba-agi", "secretFile": "\#(file)"}"#)
        let ami = try #require(configuration.ami)
        #expect(ami.address.description == "127.0.0.1:5038")
        #expect(ami.username == "ciba-agi")
        #expect(ami.secret.value == Self.secret)
        #expect("\(ami.secret)" == "***")
        #expect(try Self.load(#"{"host": "::1", "username": "u", "secretFile": "\#(file)"}"#).ami?.address.description == "[::1]:5038")
        #expect(try Self.load(#"{"host": "localhost", "username": "u", "secretFile": "\#(file)"}"#).ami?.address.isLoopback == true)
        // The environment wins over the file.
        let env = try Self.load(#"{"username": "u", "secretFile": "/nonexistent"}"#, environment: ["CIBA_AGI_AMI_SECRET": "from-env"])
        #expect(env.ami?.secret.value == "from-env")
        #expect(try Self.load("null").ami == nil)
    }

    @Test func remoteHostNeedsTLS() throws {
        let file = try Self.secretFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let problems = Self.problems(#"{"host": "192.0.2.10", "username": "ciba-agi", "secretFile": "\#(file)"}"#)
        #expect(problems.count == 1)
        #expect(problems.first?.path == "ami.host")
        #expect(problems.first?.message.contains("set ami.tls") == true)
        // With a tls block a remote manager port is accepted; a missing CA file is named.
        let ca = file  // any readable file passes the loader; the handshake checks the content
        let remote = try Self.load(#"{"host": "192.0.2.10", "port": 5039, "username": "ciba-agi", "secretFile": "\#(file)", "tls": {"caFile": "\#(ca)", "serverName": "pbx.example"}}"#)
        #expect(remote.ami?.tls == AMITLSSettings(caFile: ca, serverName: "pbx.example"))
        #expect(remote.ami?.clientConfiguration.tls?.serverName == "pbx.example")
        let missing = Self.problems(#"{"host": "192.0.2.10", "username": "ciba-agi", "secretFile": "\#(file)", "tls": {"caFile": "/nonexistent/ca.pem"}}"#)
        #expect(missing.map(\.path) == ["ami.tls.caFile"])
    }

    @Test func everyProblemIsNamedAndTheSecretNeverShown() throws {
        let file = try Self.secretFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let cases: [(String, String)] = [
            (#"{"username": "ciba-agi"}"#, "ami.secretFile"),
            (#"{"username": "ciba-agi", "secretFile": "/nonexistent/ami"}"#, "ami.secretFile"),
            (#"{"secretFile": "\#(file)"}"#, "ami.username"),
            (#"{"username": "ciba-agi", "secretFile": "\#(file)", "port": 70000}"#, "ami.port"),
            (#"{"username": "ciba-agi", "secretFile": "\#(file)", "host": "asterisk.example"}"#, "ami.host"),
            (#"{"username": "ciba-agi", "secretFile": "\#(file)", "secret": "x"}"#, "ami.secret"),
            (#""127.0.0.1""#, "ami"),
        ]
        for (block, path) in cases {
            let problems = Self.problems(block)
            #expect(problems.contains { $0.path == path }, "\(block): \(problems)")
            #expect(!problems.contains { $0.description.contains(Self.secret) })
        }
    }
}

/// `check-config`'s AMI line: one bounded login attempt (60 s bounds in the test: a loaded machine is slow, never wrong).
@Suite("ami probe")
struct AMIProbeTests {
    @Test func loginAcceptedRefusedAndNobodyListening() async throws {
        let server = try FakeAMIServer(settings: .init(users: ["ciba-agi": AMIConfigurationTests.secret]))
        defer { server.stop() }
        let good = AMISettings(address: server.address, username: "ciba-agi", secret: AMISecret(AMIConfigurationTests.secret))
        #expect(await AMIProbe.check(good, timeout: .seconds(60)) == .loggedIn(version: "11.0.0"))
        #expect(await server.waitUntil(timeout: .seconds(60)) { $0.actions(named: "Logoff").count == 1 }, "it logs off again")

        let wrong = AMISettings(address: server.address, username: "ciba-agi", secret: AMISecret("not-it"))
        guard case .failed(let reason) = await AMIProbe.check(wrong, timeout: .seconds(60)) else {
            Issue.record("a refused login must fail")
            return
        }
        #expect(reason.contains("refused the login"))
        #expect(!reason.contains("not-it"))

        let reserved = try ReservedPort()
        defer { reserved.release() }
        let nobody = AMISettings(address: reserved.address, username: "ciba-agi", secret: AMISecret("x"))
        guard case .failed(let unreachable) = await AMIProbe.check(nobody, timeout: .seconds(60)) else {
            Issue.record("nobody listening must fail")
            return
        }
        #expect(unreachable.contains("cannot connect"))
    }
}
