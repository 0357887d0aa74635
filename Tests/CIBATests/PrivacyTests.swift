import CIBA
import Foundation
import JOSE
import StructuredLogging
import Testing

@Suite("Privacy: no secret, number, auth_req_id or token in logs or error texts")
struct PrivacyTests {
    @Test("failure paths leak nothing")
    func failurePaths() async throws {
        let idToken = TestProvider.sign(TestProvider.claims(ssn: "191212121212"))
        let forbidden = [TestProvider.secret, TestProvider.number, TestProvider.authReqID, idToken,
                         "at-secret-value-0123456789", "191212121212", String(idToken.prefix(40))]
        let scenarios: [[ScriptedReply]] = [
            // Providers that echo request data in their error descriptions.
            [TestProvider.error("authorization_pending", "still waiting for \(TestProvider.number)"),
             TestProvider.error("access_denied", "user \(TestProvider.number) declined request \(TestProvider.authReqID)")],
            [TestProvider.error("invalid_grant", "auth_req_id \(TestProvider.authReqID) unknown")],
            [TestProvider.error("invalid_client", "secret \(TestProvider.secret) is wrong", status: 401)],
            [.raw(500, contentType: "text/html", "<p>\(TestProvider.number) \(TestProvider.authReqID)</p>"), TestProvider.error("expired_token")],
            [TestProvider.tokenResponse(idToken)],                          // identity mismatch
            [TestProvider.tokenResponse(idToken + "x")],                    // bad signature
            [.failure(HTTPTransportError(.timedOut, "no answer"))],
        ]
        var texts: [String] = []
        let logs = InMemoryLogHandler()
        for script in scenarios {
            let provider = TestProvider()
            provider.transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": .string(TestProvider.authReqID), "expires_in": 60])])
            provider.transport.on("/oauth2/token", script)
            let auth = BackchannelAuthenticator(settings: TestProvider.settings(), transport: provider.transport,
                                                clock: provider.clock, logger: Logger(handler: logs, level: .trace))
            let events = EventLog()
            let grant = try await provider.start(auth)
            texts.append(grant.description)
            do {
                _ = try await auth.pollForIdentity(grant, expectedClaim: (name: "ssn", value: TestProvider.number)) { events.append($0) }
                Issue.record("scenario should fail")
            } catch let failure as CIBAFailure {
                texts.append(failure.description)
                texts.append(failure.reason)
                texts.append(failure.providerErrorDescription ?? "")
                texts.append(String(describing: failure))
            }
            for event in events.events { texts.append(String(describing: event)) }
        }
        // bc-authorize failures that echo the hint.
        for reply: ScriptedReply in [TestProvider.error("unknown_user_id", "no user sub:ssn:\(TestProvider.number)"),
                                     TestProvider.error("invalid_client", "client secret \(TestProvider.secret) rejected", status: 401)] {
            let provider = TestProvider()
            provider.transport.on("/ciba/bc-authorize", [reply])
            let auth = BackchannelAuthenticator(settings: TestProvider.settings(), transport: provider.transport,
                                                clock: provider.clock, logger: Logger(handler: logs, level: .trace))
            if let failure = await caught({ _ = try await provider.start(auth) }) {
                texts.append(failure.description)
            } else {
                Issue.record("bc-authorize should fail")
            }
        }
        texts += logs.lines
        #expect(logs.lines.count > 10)
        for text in texts {
            for secret in forbidden {
                #expect(!text.contains(secret), "leaked a secret into: \(text.prefix(120))")
            }
        }
        // The masked hints still tell an operator something useful.
        #expect(texts.contains { $0.contains("declined") })
    }
}
