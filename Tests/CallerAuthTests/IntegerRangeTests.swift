import Foundation
import Testing
@testable import CallerAuth

/// docs/hardening.md: configuration numbers out of range are one problem each, never a trap.
@Suite("config: out-of-range numbers")
struct ConfigIntegerRangeTests {
    func problems(_ extra: String) -> [String] {
        let json = """
        {"provider": {"issuer": "https://idp.example", "clientId": "c1", "clientSecret": "s"},
         "defaultProfile": "p", "profiles": {"p": {"numberKind": "se-personnummer"}}, \(extra)}
        """
        do {
            _ = try ConfigurationLoader.load(data: Data(json.utf8), baseDirectory: NSTemporaryDirectory(), environment: [:])
            return []
        } catch let error as ConfigurationError {
            return error.problems.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test(arguments: [
        (#""listen": "127.0.0.1:65536""#, "listen"), (#""listen": "127.0.0.1:99999999999999999999""#, "listen"),
        (#""opsListen": "127.0.0.1:70000""#, "opsListen"), (#""maxSessions": 1e300"#, "maxSessions"),
        (#""maxAttempts": 99999999999999999999"#, "maxAttempts"), (#""drainTimeoutSeconds": -1"#, "drainTimeoutSeconds"),
        (#""digitTimeoutSeconds": 1.5"#, "digitTimeoutSeconds"),
        (#""rateLimits": {"perCallerPer10Min": 9223372036854775808}"#, "rateLimits.perCallerPer10Min"),
    ])
    func outOfRangeIsAProblemNamingTheKey(_ extra: String, key: String) {
        let baseline = problems("\"$comment\": \"\"")
        let found = problems(extra)
        #expect(!baseline.contains { $0.hasPrefix(key) })
        #expect(found.count == baseline.count + 1, "\(found)")
        #expect(found.contains { $0.hasPrefix(key) }, "\(found)")
    }
}
