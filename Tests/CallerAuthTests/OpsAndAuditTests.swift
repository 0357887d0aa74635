import Foundation
import Testing
import HTTPServer
@testable import CallerAuth

@Suite("ops endpoint, metrics, audit, redaction")
struct OpsAndAuditTests {
    @Test func healthzAndMetrics() async throws {
        let metrics = MetricsRegistry()
        metrics.sessionStarted()
        metrics.sessionStarted()
        metrics.sessionEnded(status: "VERIFIED")
        metrics.observeVerification(seconds: 7.5)
        metrics.providerRequest(endpoint: "token", status: "400")
        metrics.providerRequest(endpoint: "token", status: "400")
        let handler = OpsEndpoint.handler(metrics: metrics)
        let health = await handler(HTTPRequest(method: "GET", path: "/healthz"))
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        let response = await handler(HTTPRequest(method: "GET", path: "/metrics"))
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains("ciba_agi_active_sessions 1\n"))
        #expect(text.contains("ciba_agi_sessions_total 2\n"))
        #expect(text.contains("ciba_agi_outcomes_total{status=\"VERIFIED\"} 1\n"))
        #expect(text.contains("ciba_agi_outcomes_total{status=\"HANGUP\"} 0\n"))
        #expect(text.contains("ciba_agi_verification_duration_seconds_bucket{le=\"5\"} 0\n"))
        #expect(text.contains("ciba_agi_verification_duration_seconds_bucket{le=\"10\"} 1\n"))
        #expect(text.contains("ciba_agi_verification_duration_seconds_count 1\n"))
        #expect(text.contains("ciba_agi_provider_requests_total{endpoint=\"token\",status=\"400\"} 2\n"))
        #expect(await handler(HTTPRequest(method: "GET", path: "/other")).status == 404)
        #expect(await handler(HTTPRequest(method: "POST", path: "/metrics")).status == 405)
    }

    @Test func auditFileIsAppendedOneLinePerRecord() async throws {
        let path = NSTemporaryDirectory() + "ciba-agi-audit-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = AuditLogFile(path: path)
        let record = AuditRecord(time: Date(timeIntervalSince1970: 1_795_300_000.25), txn: "t-1", uniqueID: "1.2", channel: "PJSIP/a",
                                 callerID: "+46 \"x\"", profile: "se-bankid", status: "VERIFIED", error: "", numberMasked: "19680202****",
                                 sub: "{s}", polls: 3, durationMs: 1234)
        #expect(await file.append(record))
        var second = record
        second.txn = "t-2"
        #expect(await file.append(second))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["time"] as? String == "2026-11-21T22:26:40.250Z")
        #expect(object["callerid"] as? String == "+46 \"x\"")
        #expect(object["polls"] as? Int == 3)
        #expect(lines[1].contains("\"txn\":\"t-2\""))
        #expect(!AuditLogFile(path: "/nonexistent-dir/audit.jsonl").checkWritable())
    }

    @Test func redactionMasksNumbersButNotUniqueIDs() {
        #expect(NumberRedaction.redact("200 result=196802020575") == "200 result=19680202****")
        #expect(NumberRedaction.redact("agi_arg_2: number=27034698436&x=1") == "agi_arg_2: number=270346*****&x=1")
        #expect(NumberRedaction.redact("6802020575#") == "680202****#")
        #expect(NumberRedaction.redact("agi_uniqueid: 1795300025.1") == "agi_uniqueid: 1795300025.1")
        #expect(NumberRedaction.redact("WAIT FOR DIGIT 1000") == "WAIT FOR DIGIT 1000")
    }

    @Test func callOptionsFromQueryAndArgument() {
        let options = CallOptions.parse(query: ["initiator": "user", "language": "en"], argument: "initiator=rp&number=19680202-0575&foo=1")
        #expect(options.initiator == .rp)
        #expect(options.number == "19680202-0575")
        #expect(options.language == .en)
        #expect(options.ignoredKeys == ["foo"])
        #expect(PromptLanguage.forChannelLanguage("sv_SE") == .sv)
        #expect(PromptLanguage.forChannelLanguage("no") == .nb)
        #expect(PromptLanguage.forChannelLanguage("fr") == .en)
        #expect(PromptLanguage.asteriskDirectory(forChannelLanguage: "sv_SE") == "sv")
    }
}
