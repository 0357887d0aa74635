import Foundation
import Testing
import Sockets
@testable import CallerAuth

/// Issue 8 bug 6: `mock-provider --client-key DIR` accepts private_key_jwt with a key it makes
/// once and prints a provider block that `check-config` accepts, end to end.
@Suite("mock-provider: private_key_jwt client key")
struct MockProviderClientKeyTests {
    func startMock(_ directory: String, keys: String) async throws -> Subprocess {
        let mock = try Subprocess(["mock-provider", "--listen", "127.0.0.1:0", "--client-key", keys], directory: directory)
        let deadline = ContinuousClock.now + .seconds(60)   // a failure bound; the banner is the readiness signal
        while !mock.stdout.contains("\"keyId\"") {
            guard mock.isRunning else { throw SubprocessError(message: "mock-provider exited: \(mock.stderr)") }
            guard ContinuousClock.now < deadline else { throw SubprocessError(message: "no banner: \(mock.stdout)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return mock
    }

    @Test func printedBlockIsAcceptedByCheckConfigAndTheKeyIsReused() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = directory + "/mock-keys"
        let mock = try await startMock(directory, keys: keys)
        let banner = mock.stdout
        #expect(!banner.contains("PRIVATE KEY"))
        let block = try #require(banner.components(separatedBy: "provider block for ciba-agi.json:\n").last)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(block.contains("\"clientAuth\": \"private_key_jwt\""))
        let attributes = try FileManager.default.attributesOfItem(atPath: keys + "/client-key.pem")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let config = """
        {"listen": "127.0.0.1:4573", "allowedClients": ["127.0.0.1/32"], "opsListen": null, "auditLog": null,
         \(block),
         "defaultProfile": "se-bankid",
         "profiles": {"se-bankid": {"numberKind": "se-personnummer", "acrValues": "urn:grn:authn:se:bankid", "numberClaim": "ssn"}}}
        """
        try config.write(toFile: directory + "/ciba-agi.json", atomically: true, encoding: .utf8)
        let (status, out, err) = try await Subprocess.run(["check-config", "--config", directory + "/ciba-agi.json"], directory: directory)
        #expect(status == 0, "\(out)\(err)")
        #expect(out.contains("ok: client credentials accepted (private_key_jwt)"), "\(out)")
        mock.terminate()
        _ = try await mock.wait()

        // Second start: the same key (same public JWK), not a new one.
        let again = try await startMock(directory, keys: keys)
        defer { again.kill() }
        let jwk = { (text: String) in text.components(separatedBy: "\n").first { $0.contains("client JWK:") } }
        #expect(jwk(again.stdout) != nil)
        #expect(jwk(again.stdout) == jwk(banner))
    }
}
