import CIBA
import Foundation
import JOSE
import Testing

@Suite("Discovery and endpoint policy")
struct DiscoveryTests {
    @Test("endpoints come from the discovery document and are cached")
    func cached() async throws {
        let provider = TestProvider()
        let auth = provider.authenticator()
        let metadata = try await auth.metadata()
        #expect(metadata.tokenEndpoint.absoluteString == "https://op.example.com/oauth2/token")
        #expect(metadata.deliveryModes == ["poll"])
        _ = try await auth.metadata()
        #expect(provider.transport.requests(to: "/.well-known/openid-configuration").count == 1)
        provider.clock.advance(by: .seconds(3601))
        _ = try await auth.metadata()
        #expect(provider.transport.requests(to: "/.well-known/openid-configuration").count == 2)
    }

    @Test("a stale document is kept when the refresh fails")
    func staleOnFailure() async throws {
        let provider = TestProvider()
        let auth = provider.authenticator()
        _ = try await auth.metadata()
        provider.transport.on("/.well-known/openid-configuration", [.failure(HTTPTransportError(.unreachable, "down"))])
        provider.clock.advance(by: .seconds(3601))
        let metadata = try await auth.metadata()
        #expect(metadata.jwksURI.absoluteString == "https://op.example.com/jwks")
        #expect(provider.transport.requests(to: "/.well-known/openid-configuration").count == 2)
    }

    @Test("the document's issuer must equal the configured issuer exactly")
    func issuerMismatch() async {
        for issuer in ["https://evil.example.com", "https://op.example.com/", "https://OP.example.com"] {
            let provider = TestProvider()
            provider.transport.on("/.well-known/openid-configuration", [.json(200, TestProvider.discovery(issuer: issuer))])
            let failure = await caught { _ = try await provider.start(provider.authenticator()) }
            #expect(failure?.kind == .configuration)
            #expect(provider.transport.requests(to: "/ciba/bc-authorize").isEmpty)
        }
    }

    @Test("a provider without poll delivery is a configuration error; no list means poll is assumed")
    func deliveryModes() async throws {
        let provider = TestProvider()
        provider.transport.on("/.well-known/openid-configuration",
                              [.json(200, TestProvider.discovery(extra: ["backchannel_token_delivery_modes_supported": ["ping", "push"]]))])
        #expect(await caught { _ = try await provider.authenticator().metadata() }?.kind == .configuration)
        var document = TestProvider.discovery().objectValue ?? [:]
        document["backchannel_token_delivery_modes_supported"] = nil
        provider.transport.on("/.well-known/openid-configuration", [.json(200, .object(document))])
        #expect(try await provider.authenticator().metadata().deliveryModes == nil)
    }

    @Test("explicit endpoints override discovery; all three skip it")
    func overrides() async throws {
        let provider = TestProvider()
        var settings = TestProvider.settings()
        settings.tokenEndpoint = URL(string: "https://op.example.com/connect/token")
        let metadata = try await provider.authenticator(settings).metadata()
        #expect(metadata.tokenEndpoint.path == "/connect/token")
        #expect(metadata.backchannelAuthenticationEndpoint.path == "/ciba/bc-authorize")
        settings.backchannelEndpoint = URL(string: "https://op.example.com/connect/ciba")
        settings.jwksURI = URL(string: "https://op.example.com/keys")
        let fixed = try await provider.authenticator(settings).metadata()
        #expect(!fixed.fromDiscovery)
        #expect(provider.transport.requests(to: "/.well-known/openid-configuration").count == 1)
    }

    @Test("HTML or garbage instead of a discovery document is a provider error")
    func garbageDocument() async {
        let provider = TestProvider()
        provider.transport.on("/.well-known/openid-configuration", [.raw(200, contentType: "text/html", "<html>hi</html>")])
        #expect(await caught { _ = try await provider.authenticator().metadata() }?.kind == .providerError)
        provider.transport.on("/.well-known/openid-configuration", [.raw(404, contentType: "text/plain", "nope")])
        #expect(await caught { _ = try await provider.authenticator().metadata() }?.status == 404)
    }

    @Test("plain http is refused for a non-loopback issuer, without any request")
    func httpIssuerRefused() async {
        let provider = TestProvider()
        var settings = TestProvider.settings()
        settings.issuer = URL(string: "http://op.example.com")!
        let failure = await caught { _ = try await provider.authenticator(settings).metadata() }
        #expect(failure?.kind == .configuration)
        #expect(provider.transport.requests.isEmpty)
        settings.allowInsecureHTTP = true
        provider.transport.on("/.well-known/openid-configuration", [.json(200, TestProvider.discovery(issuer: "http://op.example.com"))])
        #expect(await caught { _ = try await provider.authenticator(settings).metadata() } == nil)
    }

    @Test("an http endpoint in an https provider's discovery document is refused")
    func httpEndpointFromDiscoveryRefused() async {
        let provider = TestProvider()
        provider.transport.on("/.well-known/openid-configuration",
                              [.json(200, TestProvider.discovery(extra: ["token_endpoint": "http://op.example.com/oauth2/token"]))])
        let failure = await caught { _ = try await provider.authenticator().metadata() }
        #expect(failure?.kind == .configuration)
        #expect(failure?.reason.contains("token_endpoint") == true)
    }

    @Test("loopback hosts may use plain http")
    func loopbackAllowed() async throws {
        for host in ["127.0.0.1:8080", "127.3.4.5", "localhost:9000", "[::1]:8443"] {
            let provider = TestProvider()
            let issuer = "http://\(host)"
            provider.transport.on("/.well-known/openid-configuration", [.json(200, TestProvider.discovery(issuer: issuer, extra: [
                "backchannel_authentication_endpoint": .string(issuer + "/ciba/bc-authorize"),
                "token_endpoint": .string(issuer + "/oauth2/token"),
                "jwks_uri": .string(issuer + "/jwks"),
            ]))])
            var settings = TestProvider.settings()
            settings.issuer = URL(string: issuer)!
            let metadata = try await provider.authenticator(settings).metadata()
            #expect(metadata.issuer.absoluteString == issuer)
        }
    }

    @Test("loopback detection", arguments: [
        ("127.0.0.1", true), ("127.255.0.9", true), ("localhost", true), ("::1", true), ("[::1]", true),
        ("::ffff:127.0.0.1", true), ("128.0.0.1", false), ("127.0.0.1.evil.com", false), ("localhost.evil.com", false),
        ("10.0.0.1", false), ("1270.0.0.1", false), ("example.com", false),
    ])
    func loopback(host: String, isLoopback: Bool) {
        #expect(EndpointPolicy.isLoopbackHost(host) == isLoopback)
    }

    @Test("non-http schemes are refused")
    func schemes() {
        #expect(throws: CIBAFailure.self) { try EndpointPolicy().check(URL(string: "ftp://op.example.com")!, role: "issuer") }
        #expect(throws: CIBAFailure.self) { try EndpointPolicy().check(URL(string: "file:///etc/passwd")!, role: "issuer") }
    }
}

@Suite("Credential check")
struct CredentialCheckTests {
    @Test("invalid_grant or expired_token for a made-up auth_req_id means the credentials work")
    func accepted() async throws {
        for code in ["invalid_grant", "expired_token"] {
            let provider = TestProvider()
            provider.transport.on("/oauth2/token", [TestProvider.error(code)])
            #expect(await provider.authenticator().checkCredentials() == .accepted)
            let sent = try #require(provider.transport.requests(to: "/oauth2/token").first)
            #expect(sent.form["grant_type"] == "urn:openid:params:grant-type:ciba")
            #expect(sent.form["auth_req_id"]?.isEmpty == false)
        }
    }

    @Test("invalid_client means rejected")
    func rejected() async {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [TestProvider.error("invalid_client", "bad secret", status: 401)])
        #expect(await provider.authenticator().checkCredentials() == .rejected(reason: "invalid_client: bad secret"))
    }

    @Test("anything else is unknown with the reason")
    func unknown() async {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [.raw(502, contentType: "text/html", "<h1>bad gateway</h1>")])
        guard case .unknown(let reason) = await provider.authenticator().checkCredentials() else {
            Issue.record("expected unknown")
            return
        }
        #expect(reason.contains("502"))
        provider.transport.on("/.well-known/openid-configuration", [.failure(HTTPTransportError(.unreachable, "refused"))])
        guard case .unknown = await provider.authenticator().checkCredentials() else {
            Issue.record("expected unknown")
            return
        }
    }
}
