import CIBA
import Foundation
import JOSE
import Testing

@Suite("Backchannel authentication request (bc-authorize)")
struct BackchannelStartTests {
    @Test("all parameters are form-encoded correctly")
    func parameters() async throws {
        let provider = TestProvider()
        let auth = provider.authenticator()
        let request = BackchannelRequest(
            hint: .loginHint("sub:ssn:196802020575"), acrValues: "urn:grn:authn:se:bankid",
            bindingMessage: "Identification for Example Bank + support & more",
            authorizationDetails: #"[{"type":"phoneAuth","callInitiator":"user"}]"#,
            requestedExpiry: 120, userCode: "12 34", extraParameters: ["request_context": "{\"a\":1}", "prompt": "x=y"])
        _ = try await auth.start(request)
        let sent = try #require(provider.transport.requests(to: "/ciba/bc-authorize").first)
        let body = String(decoding: sent.request.body, as: UTF8.self)
        #expect(body.contains("binding_message=Identification%20for%20Example%20Bank%20%2B%20support%20%26%20more"))
        #expect(body.contains("authorization_details=%5B%7B%22type%22%3A%22phoneAuth%22%2C%22callInitiator%22%3A%22user%22%7D%5D"))
        #expect(body.contains("login_hint=sub%3Assn%3A196802020575"))
        #expect(!body.contains("+"))
        let form = sent.form
        #expect(form["scope"] == "openid")
        #expect(form["acr_values"] == "urn:grn:authn:se:bankid")
        #expect(form["binding_message"] == "Identification for Example Bank + support & more")
        #expect(form["requested_expiry"] == "120")
        #expect(form["user_code"] == "12 34")
        #expect(form["prompt"] == "x=y")
        #expect(form["request_context"] == "{\"a\":1}")
        #expect(form["login_hint_token"] == nil && form["id_token_hint"] == nil)
        #expect(sent.request.header("Content-Type") == "application/x-www-form-urlencoded")
        #expect(sent.request.method == "POST")
        #expect(sent.request.timeout == .seconds(10))
        #expect(sent.request.url.absoluteString == "https://op.example.com/ciba/bc-authorize")
    }

    @Test("exactly one hint: login_hint_token and id_token_hint replace login_hint")
    func hints() async throws {
        let provider = TestProvider()
        let auth = provider.authenticator()
        _ = try await auth.start(BackchannelRequest(hint: .idTokenHint("eyJ.x.y")))
        _ = try await auth.start(BackchannelRequest(hint: .loginHintToken("lht")))
        let forms = provider.transport.requests(to: "/ciba/bc-authorize").map(\.form)
        #expect(forms[0]["id_token_hint"] == "eyJ.x.y" && forms[0]["login_hint"] == nil)
        #expect(forms[1]["login_hint_token"] == "lht" && forms[1]["login_hint"] == nil)
    }

    @Test("an extra parameter may not repeat a standard one")
    func extraCollision() async {
        let provider = TestProvider()
        let failure = await caught {
            _ = try await provider.authenticator().start(BackchannelRequest(hint: .loginHint("x"), extraParameters: ["client_id": "evil"]))
        }
        #expect(failure?.kind == .configuration)
        #expect(provider.transport.requests(to: "/ciba/bc-authorize").isEmpty)
    }

    @Test("the answer: auth_req_id, expires_in, interval, Idura's bindingMessage")
    func answer() async throws {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": "abc", "expires_in": 900, "interval": 3, "bindingMessage": "Frekk julekos"])])
        let grant = try await provider.start(provider.authenticator())
        #expect(grant.expiresIn == 900)
        #expect(grant.interval == 3)
        #expect(grant.bindingMessage == "Frekk julekos")
        #expect(!grant.description.contains("abc"))
    }

    @Test("answers without auth_req_id or a positive expires_in are provider errors")
    func invalidAnswers() async {
        for body: JSONValue in [["expires_in": 120], ["auth_req_id": "a"], ["auth_req_id": "a", "expires_in": 0],
                                ["auth_req_id": "a", "expires_in": -5], ["auth_req_id": 5, "expires_in": 120]] {
            let provider = TestProvider()
            provider.transport.on("/ciba/bc-authorize", [.json(200, body)])
            let failure = await caught { _ = try await provider.start(provider.authenticator()) }
            #expect(failure?.kind == .providerError)
        }
    }

    @Test("OAuth errors map to outcomes", arguments: [
        ("unknown_user_id", 400, "unknown_user"),
        ("invalid_client", 401, "config_error"),
        ("unauthorized_client", 400, "config_error"),
        ("access_denied", 403, "access_denied"),
        ("invalid_binding_message", 400, "provider_error"),
        ("expired_login_hint_token", 400, "provider_error"),
    ])
    func errorMapping(code: String, status: Int, outcome: String) async {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [TestProvider.error(code, "details here", status: status)])
        let failure = await caught { _ = try await provider.start(provider.authenticator()) }
        #expect(failure?.code == outcome)
        #expect(failure?.status == status)
        #expect(failure?.providerError == code)
        #expect(failure?.providerErrorDescription == "details here")
    }

    @Test("500 with HTML is a provider error whose text holds no body bytes")
    func serverErrorHTML() async {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [.raw(500, contentType: "text/html; charset=utf-8", "<html><title>Oops SECRETPAGE</title></html>")])
        let failure = await caught { _ = try await provider.start(provider.authenticator()) }
        #expect(failure?.kind == .providerError)
        #expect(failure?.status == 500)
        #expect(!(failure?.description.contains("SECRETPAGE") ?? true))
        #expect(failure?.description.contains("text/html") == true)
    }

    @Test("malformed JSON is a provider error")
    func malformedJSON() async {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [.raw(200, contentType: "application/json", "{\"auth_req_id\": \"a\", ")])
        let failure = await caught { _ = try await provider.start(provider.authenticator()) }
        #expect(failure?.kind == .providerError)
        provider.transport.on("/ciba/bc-authorize", [.raw(400, contentType: "application/json", "[1,2")])
        let failure2 = await caught { _ = try await provider.start(provider.authenticator()) }
        #expect(failure2?.kind == .providerError)
        #expect(failure2?.status == 400)
    }

    @Test("a timeout or network error is unreachable")
    func unreachable() async {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [.failure(HTTPTransportError(.timedOut, "no answer within 10 seconds"))])
        let failure = await caught { _ = try await provider.start(provider.authenticator()) }
        #expect(failure?.kind == .unreachable)
        #expect(failure?.code == "provider_unreachable")
    }

    @Test("metrics see every provider request with endpoint and status")
    func metrics() async throws {
        let provider = TestProvider()
        let auth = provider.authenticator()
        let seen = MetricLog()
        auth.onProviderRequest = { seen.append("\($0.endpoint) \($0.status)") }
        provider.transport.on("/oauth2/token", [TestProvider.pending, TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims()))])
        _ = try await auth.pollForIdentity(try await provider.start(auth), expectedClaim: nil) { _ in }
        #expect(seen.entries == ["discovery 200", "bc-authorize 200", "token 400", "token 200", "jwks 200"])
        let lines = provider.logs.records(event: "ciba.provider.request")
        #expect(lines.count == 5)
        #expect(lines[2]["error"] == "authorization_pending")
        #expect(lines.allSatisfy { $0["duration_ms"] != nil && $0["endpoint"] != nil })
    }
}

final class MetricLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ s: String) { lock.lock(); stored.append(s); lock.unlock() }
    var entries: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}
