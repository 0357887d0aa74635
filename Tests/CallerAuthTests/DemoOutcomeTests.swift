import Foundation
import Testing
@testable import CallerAuth

/// Issue 8 bug 4: `demo` can show EXPIRED and provider_unreachable (short simulated expiry).
@Suite("demo: expired and unreachable persons")
struct DemoOutcomeTests {
    @Test(arguments: [("199002029826", "Result: CIBA_STATUS=EXPIRED CIBA_ERROR=expired_token"),
                      ("199009099897", "Result: CIBA_STATUS=ERROR CIBA_ERROR=provider_unreachable")])
    func demoShowsTheOutcome(number: String, result: String) async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (status, out, err) = try await Subprocess.run(["demo", "--number", number, "--expires-in", "8"], directory: directory,
                                                          timeout: .seconds(120))
        #expect(status == 1, "\(err)")
        #expect(out.contains(result), "\(out)")
        #expect(!out.contains(number))
    }

    @Test func outOfRangeSecondsAreAUsageError() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for value in ["99999999999999999999", "-5", "4", "abc"] {
            let (status, _, err) = try await Subprocess.run(["demo", "--expires-in", value], directory: directory)
            #expect(status == 2)
            #expect(err.contains("--expires-in takes whole seconds from 5 to 600"))
        }
        let (status, _, err) = try await Subprocess.run(["demo", "--timeout", "901"], directory: directory)
        #expect(status == 2)
        #expect(err.contains("--timeout takes whole seconds from 10 to 900"))
    }
}
