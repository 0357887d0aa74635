import AGITesting
import Foundation
import HTTPServer
import JOSE
import Testing
import CIBASimulator
@testable import AgentDesk
@testable import CallerAuth

@Suite("Agent desk verification API")
struct VerificationAPITests {
    @Test("Norwegian BankID: 201 with the word pair, then verified with claims; audit initiator is the agent")
    func norwegianVerified() async throws {
        let harness = try await DeskHarness()
        let login = try await harness.login()
        let started = try await harness.startVerification(login, number: SimulatedPerson.norwegianDemoNumber, profile: "no-bankid")
        let txn = try #require(started["txn"]?.stringValue)
        #expect(started["status"]?.stringValue == "pending")
        #expect(started["numberMasked"]?.stringValue == "270346*****")
        let words = try #require(started["wordPair"]?.stringValue)
        #expect(words.split(separator: " ").count == 2)
        let final = try #require(await harness.callerAuth.engine.waitForFinal(txn: txn, timeout: .seconds(30)))
        #expect(final.status == .verified)

        let answer = await harness.send("GET", "/api/v1/verifications/\(txn)", cookie: login.cookie)
        #expect(answer.status == 200)
        let body = json(answer)
        #expect(body["status"]?.stringValue == "verified")
        #expect(body["initiator"]?.stringValue == "alice")
        #expect(body["claims"]?["name"]?.stringValue == "Mikkel CriiptoTest")
        #expect(body["claims"]?["birthdate"]?.stringValue == "1946-03-27")

        let record = try await waitForAudit(harness, txn: txn)
        #expect(record.initiator == "alice")
        #expect(record.status == "VERIFIED")
        #expect(record.numberMasked == "270346*****")
        #expect(record.jsonLine.contains(#""initiator":"alice""#))
        await harness.shutdown()
    }

    @Test("a bad number is 400 invalid_number and never reaches the provider")
    func badNumber() async throws {
        let harness = try await DeskHarness()
        let login = try await harness.login()
        for number in ["196802020576", "27034698437", "12345", "19680202O575", ""] {
            let response = await harness.send("POST", "/api/v1/verifications", json: #"{"number":"\#(number)","profile":"se-bankid"}"#,
                                              cookie: login.cookie, csrf: login.csrf)
            #expect(response.status == 400, "\(number)")
            if !number.isEmpty { #expect(json(response)["error"]?.stringValue == "invalid_number") }
        }
        let norwegianAsSwedish = await harness.send("POST", "/api/v1/verifications", json: #"{"number":"27034698436","profile":"se-bankid"}"#,
                                                    cookie: login.cookie, csrf: login.csrf)
        #expect(norwegianAsSwedish.status == 400)
        for body in [#"{"number":"196802020575","profile":"nope"}"#, #"{"number":"196802020575"}"#, #"{"number":196802020575,"profile":"se-bankid"}"#,
                     #"{"number":"196802020575","profile":"se-bankid","extra":"x"}"#, "[1]", #"{"number":"196802020575","profile":"se-bankid","uniqueid":"a b"}"#] {
            let response = await harness.send("POST", "/api/v1/verifications", json: body, cookie: login.cookie, csrf: login.csrf)
            #expect(response.status == 400, "\(body)")
        }
        let wrongType = await harness.send("POST", "/api/v1/verifications", cookie: login.cookie, csrf: login.csrf,
                                           headers: [("Content-Type", "text/plain")])
        #expect(wrongType.status == 400)
        #expect(harness.provider.requests.isEmpty)
        #expect(!harness.everythingSaid.contains("196802020576"))
        await harness.shutdown()
    }

    @Test("every API route answers 401 without credentials, unknown ones 404, wrong methods 405")
    func unauthenticatedAndRouting() async throws {
        let harness = try await DeskHarness()
        let txn = "00000000-0000-4000-8000-000000000000"
        for (method, path) in [("GET", "/api/v1/session"), ("POST", "/api/v1/logout"), ("GET", "/api/v1/events"),
                               ("GET", "/api/v1/verifications"), ("POST", "/api/v1/verifications"),
                               ("GET", "/api/v1/verifications/\(txn)"), ("DELETE", "/api/v1/verifications/\(txn)"),
                               ("GET", "/api/v1/calls/1700000000.1/verification")] {
            let response = await harness.send(method, path, json: method == "POST" ? "{}" : nil)
            #expect(response.status == 401, "\(method) \(path)")
            #expect(response.header("WWW-Authenticate") != nil)
        }
        #expect(harness.logs.records(event: "desk.auth_failed").count == 8)
        let login = try await harness.login()
        #expect(await harness.send("GET", "/api/v1/nope", cookie: login.cookie).status == 404)
        #expect(await harness.send("GET", "/nope.js").status == 404)
        #expect(await harness.send("GET", "/../Package.swift").status == 404)
        #expect(await harness.send("PUT", "/api/v1/verifications", cookie: login.cookie).status == 405)
        #expect(await harness.send("GET", "/api/v1/login").status == 405)
        #expect(await harness.send("GET", "/api/v1/verifications/not-a-txn", cookie: login.cookie).status == 404)
        #expect(await harness.send("GET", "/api/v1/verifications/\(txn)", cookie: login.cookie).status == 404)
        #expect(await harness.send("DELETE", "/api/v1/verifications/\(txn)", cookie: login.cookie, csrf: login.csrf).status == 404)
        #expect(await harness.send("GET", "/api/v1/calls/unknown.1/verification", cookie: login.cookie).status == 404)
        #expect(await harness.send("GET", "/api/v1/verifications?limit=0", cookie: login.cookie).status == 400)
        await harness.shutdown()
    }

    @Test("DELETE cancels a pending verification: cancelled, and no token request after it")
    func cancel() async throws {
        let harness = try await DeskHarness()
        let login = try await harness.login()
        // Erik Väntar never answers (the request expires), so it stays pending until cancelled.
        let started = try await harness.startVerification(login, number: "199002029826", profile: "se-bankid")
        let txn = try #require(started["txn"]?.stringValue)
        let response = await harness.send("DELETE", "/api/v1/verifications/\(txn)", cookie: login.cookie, csrf: login.csrf)
        #expect(response.status == 200)
        #expect(json(response)["status"]?.stringValue == "cancelled")
        #expect(json(response)["error"]?.stringValue == "cancelled")
        let polls = harness.provider.requests.filter { $0.description.contains("token") }.count
        let again = await harness.send("GET", "/api/v1/verifications/\(txn)", cookie: login.cookie)
        #expect(json(again)["status"]?.stringValue == "cancelled")
        let record = try await waitForAudit(harness, txn: txn)
        #expect(record.status == "ERROR")
        #expect(record.error == "cancelled")
        #expect(harness.provider.requests.filter { $0.description.contains("token") }.count == polls)
        // Cancelling a final verification leaves it as it is.
        let twice = await harness.send("DELETE", "/api/v1/verifications/\(txn)", cookie: login.cookie, csrf: login.csrf)
        #expect(json(twice)["status"]?.stringValue == "cancelled")
        await harness.shutdown()
    }

    @Test("the IVR's rate limits apply: 429 once the number's limit is used up, without asking the provider")
    func rateLimited() async throws {
        let harness = try await DeskHarness(rateLimits: RateLimitSettings(perCallerPer10Min: 100, perNumberPer10Min: 1))
        let login = try await harness.login()
        _ = try await harness.startVerification(login, number: "199010109909", profile: "se-bankid")
        // Only bc-authorize counts: the first verification keeps polling meanwhile.
        let starts = { harness.provider.requests.filter { $0.endpoint == .backchannel }.count }
        let before = starts()
        let second = await harness.send("POST", "/api/v1/verifications", json: #"{"number":"199010109909","profile":"se-bankid"}"#,
                                        cookie: login.cookie, csrf: login.csrf)
        #expect(second.status == 429)
        #expect(json(second)["error"]?.stringValue == "rate_limited")
        #expect(starts() == before)
        await harness.shutdown()
    }

    @Test("calls/{id}/verification finds the IVR's verification by uniqueid and linkedid, and an agent's by its uniqueid")
    func byCall() async throws {
        let harness = try await DeskHarness()
        let login = try await harness.login()
        let call = FakeCall(script: "caller-auth", arguments: ["se-bankid"],
                            environment: ["agi_callerid": "+46701234567", "agi_language": "sv", "agi_uniqueid": "1700000000.7"],
                            keypresses: [FakeKeypress(at: .seconds(1), digits: "199010109909#", gap: .milliseconds(100), afterCommand: "GET DATA")],
                            timeScale: 0.2)
        let transcript = try await FakeAsterisk(call: call).place(through: harness.callerAuth.makeRouter(), timeout: .seconds(300))  // a failure bound only
        #expect(transcript.variables["CIBA_STATUS"] == "VERIFIED")
        let byUnique = await harness.send("GET", "/api/v1/calls/1700000000.7/verification", cookie: login.cookie)
        #expect(byUnique.status == 200)
        #expect(json(byUnique)["initiator"]?.stringValue == "ivr")
        #expect(json(byUnique)["status"]?.stringValue == "verified")
        #expect(json(byUnique)["callerIDMasked"]?.stringValue?.contains("1234567") == false)
        // An agent's leg has its own uniqueid but the caller's linkedid.
        let now = Date()
        await harness.callerAuth.engine.store.save(VerificationRecord(
            txn: "11111111-2222-4333-8444-555555555555", status: .verified, profile: "se-bankid", initiator: "ivr",
            numberMasked: "19680202****", callerIDMasked: "+467012*****", uniqueID: "1700000001.1", linkedID: "1700000001.0",
            createdAt: now, updatedAt: now))
        let byLinked = await harness.send("GET", "/api/v1/calls/1700000001.0/verification", cookie: login.cookie)
        #expect(json(byLinked)["txn"]?.stringValue == "11111111-2222-4333-8444-555555555555")

        let started = try await harness.startVerification(login, number: "196802020575", profile: "se-bankid", uniqueid: "1700000000.9")
        let agentCall = await harness.send("GET", "/api/v1/calls/1700000000.9/verification", cookie: login.cookie)
        #expect(json(agentCall)["txn"] == started["txn"])
        let recent = await harness.send("GET", "/api/v1/verifications?limit=10", cookie: login.cookie)
        #expect(json(recent)["verifications"]?.arrayValue?.count == 3)
        await harness.shutdown()
    }

    @Test("the page and the OpenAPI document are served with CSP and no framing; the document lists every route")
    func pageAndOpenAPI() async throws {
        let harness = try await DeskHarness()
        let page = await harness.send("GET", "/")
        #expect(page.status == 200)
        #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
        let csp = try #require(page.header("Content-Security-Policy"))
        #expect(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"))
        #expect(page.header("X-Frame-Options") == "DENY")
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(!html.contains("<script>") && !html.contains(" style=") && !html.contains("onclick"))
        for file in ["/desk.js", "/desk.css", "/i18n.js", "/check-digits.js"] { #expect(await harness.send("GET", file).status == 200) }
        let document = await harness.send("GET", "/api/openapi.json")
        #expect(document.status == 200)
        let spec = try #require(try JSONValue.parse(document.body).objectValue)
        #expect(spec["openapi"]?.stringValue == "3.1.0")
        let paths = Set(spec["paths"]?.objectValue?.keys.map { $0 } ?? [])
        #expect(paths == ["/api/v1/login", "/api/v1/logout", "/api/v1/session", "/api/v1/verifications", "/api/v1/verifications/{txn}",
                          "/api/v1/calls/{callId}/verification", "/api/v1/events", "/api/openapi.json"])
        #expect(await harness.send("GET", "/openapi.json").status == 404)
        await harness.shutdown()
    }
}

/// The audit record of `txn`, once its writer ran (it waits for the final state).
func waitForAudit(_ harness: DeskHarness, txn: String) async throws -> AuditRecord {
    await harness.desk.auditTasks.wait(txn: txn)
    return try #require(harness.audit.records.first { $0.txn == txn })
}
