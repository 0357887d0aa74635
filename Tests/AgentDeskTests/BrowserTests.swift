import AGITesting
import BrowserTesting
import Foundation
import HTTPServer
import JOSE
import Sockets
import Testing
import CIBASimulator
@testable import AgentDesk
@testable import CallerAuth

/// The agent page in a real browser: Debian's `chromium`, headless, over the DevTools pipe.
/// Without chromium the test is skipped with one line, unless `CIBA_AGI_REQUIRE_CHROMIUM=1`
/// (set by `.ci/run`), which makes a missing browser a failure.
@Suite("Agent page in headless Chromium")
struct BrowserTests {
    static let chromium = HeadlessChromium.executable()
    static let required = ProcessInfo.processInfo.environment["CIBA_AGI_REQUIRE_CHROMIUM"] == "1"

    @Test("log in, check digits as typed, verify the Norwegian test person: word pair, then VERIFIED",
          .enabled(if: chromium != nil || required, "chromium is not installed (apt-get install chromium); CIBA_AGI_REQUIRE_CHROMIUM=1 makes this a failure"))
    func verifyFromThePage() async throws {
        guard let executable = Self.chromium else {
            Issue.record("CIBA_AGI_REQUIRE_CHROMIUM=1 but no chromium on PATH (apt-get install chromium)")
            return
        }
        let harness = try await DeskHarness()
        let server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled, handler: harness.desk.handler)
        let address = try server.start()
        // An IVR call verified before the agent looks, so the list by call has a row.
        let call = FakeCall(script: "caller-auth", arguments: ["se-bankid"],
                            environment: ["agi_callerid": "+46701234567", "agi_language": "sv", "agi_uniqueid": "1764755000.31"],
                            keypresses: [FakeKeypress(at: .seconds(1), digits: "199010109909#", gap: .milliseconds(100), afterCommand: "GET DATA")], timeScale: 0.2)
        let transcript = try await FakeAsterisk(call: call).place(through: harness.callerAuth.makeRouter(), timeout: .seconds(300))  // a failure bound only
        #expect(transcript.variables["CIBA_STATUS"] == "VERIFIED")

        let browser = try HeadlessChromium(executable: executable)
        do {
            try await run(browser, address: address, harness: harness)
        } catch {
            Issue.record("browser: \(error); console: \(browser.consoleMessages.joined(separator: " | "))")
        }
        #expect(browser.consoleMessages.filter { $0.hasPrefix("exception") }.isEmpty, "\(browser.consoleMessages)")
        await browser.close()
        await harness.desk.shutdown()
        await server.shutdown()
        #expect(!harness.everythingSaid.contains(SimulatedPerson.norwegianDemoNumber))
        await harness.shutdown()
    }

    private func run(_ browser: HeadlessChromium, address: SocketAddress, harness: DeskHarness) async throws {
        let page = try await browser.openPage()
        try await page.navigate("http://\(address)/")
        #expect(try await page.waitFor("document.getElementById('login-section') && !document.getElementById('login-section').hidden"))

        // Log in with the keyboard.
        try await page.evaluate("document.getElementById('login-name').focus()")
        try await page.type("alice")
        try await page.press("Tab", code: 9)
        #expect(try await page.evaluate("document.activeElement.id").stringValue == "login-password")
        try await page.type(TestAgents.alicePassword)
        try await page.press("Enter", code: 13)
        #expect(try await page.waitFor("!document.getElementById('desk-section').hidden"))
        #expect(try await page.evaluate("document.getElementById('agent-name').textContent").stringValue == "alice")
        #expect(try await page.waitFor("document.querySelectorAll('#calls-body tr').length === 1"))

        // Norwegian BankID; a wrong check digit is flagged as typed, the right one accepted.
        try await page.evaluate("(() => { const s = document.getElementById('profile'); s.value = 'no-bankid'; s.dispatchEvent(new Event('change')); })()")
        try await page.evaluate("document.getElementById('number').focus()")
        try await page.type("27034698437")
        #expect(try await page.waitFor("document.getElementById('number-hint').classList.contains('bad')"))
        #expect(try await page.evaluate("document.getElementById('verify-submit').disabled").boolValue == true)
        try await page.evaluate("(() => { const n = document.getElementById('number'); n.value = ''; n.dispatchEvent(new Event('input')); })()")
        try await page.type(SimulatedPerson.norwegianDemoNumber)
        #expect(try await page.waitFor("document.getElementById('number-hint').classList.contains('good')"))
        try await page.press("Enter", code: 13)

        // The word pair, large, while the caller's app is asked.
        #expect(try await page.waitFor("!document.getElementById('word-pair-box').hidden && document.getElementById('word-pair').textContent.length > 3"))
        let shown = try await page.evaluate("document.getElementById('word-pair').textContent").stringValue
        let record = await harness.callerAuth.engine.store.recent(limit: 10).first { $0.initiator == "alice" }
        #expect(shown != nil && shown == record?.wordPair)
        #expect(try await page.evaluate("document.getElementById('number').value").stringValue == "")
        try await save(try await page.screenshot(), as: "agent-desk-word-pair.png")

        // Then VERIFIED with the result card.
        #expect(try await page.waitFor("document.getElementById('result-status').textContent.startsWith('VERIFIED')", timeout: .seconds(40)))
        #expect(try await page.evaluate("document.getElementById('result-name').textContent").stringValue == "Mikkel CriiptoTest")
        #expect(try await page.evaluate("document.getElementById('result-birthdate').textContent").stringValue == "1946-03-27")
        #expect(try await page.evaluate("document.getElementById('result-txn').textContent").stringValue == record?.txn)
        let text = try await page.evaluate("document.documentElement.outerHTML + document.body.innerText").stringValue ?? ""
        #expect(!text.contains(SimulatedPerson.norwegianDemoNumber))
        #expect(text.contains("270346*****"))
        try await save(try await page.screenshot(), as: "agent-desk-verified.png")
    }

    /// Screenshots go to the temporary directory; with CIBA_AGI_UPDATE_SCREENSHOTS=1 also to docs/.
    private func save(_ png: Data, as name: String) async throws {
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        try png.write(to: FileManager.default.temporaryDirectory.appendingPathComponent(name))
        if ProcessInfo.processInfo.environment["CIBA_AGI_UPDATE_SCREENSHOTS"] == "1" {
            let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("docs")
            try png.write(to: docs.appendingPathComponent(name))
        }
    }
}
