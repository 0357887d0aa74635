import URLEncoding
import CIBA
import CIBASimulator
import Foundation
import HTTPServer
import JOSE
import StructuredLogging


/// Keys shared by all tests of the process: RSA generation is the slow part of a test.
enum SharedKeys {
    static let clientRSA = try? PrivateKey.generateRSA()
    static let clientEC = try? PrivateKey.generateP256()
    static let providerRSA = try? PrivateKey.generateRSA()

    static func require(_ key: PrivateKey?) throws -> PrivateKey {
        guard let key else { throw SimulatorHarness.HarnessError.unexpected("key generation failed") }
        return key
    }
}

/// How a test request authenticates.
enum TestAuth {
    case none
    case basic(id: String, secret: String)
    case post(id: String, secret: String)
    /// A private_key_jwt assertion signed with `key`; `audience` nil = the issuer.
    case jwt(key: PrivateKey, keyID: String?, audience: String?, claims: [String: JSONValue]?)
}

struct TestResponse {
    var status: Int
    var body: Data
    var headers: [String: String]
    var json: [String: JSONValue]? { (try? JSONValue.parse([UInt8](body)))?.objectValue }
    var error: String? { json?["error"]?.stringValue }
    var errorDescription: String? { json?["error_description"]?.stringValue }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A started simulated provider with a manual clock, a log capture and the shipping libcurl
/// transport (``CurlTransport``) as its HTTP client.
///
/// Request timeouts are failure bounds only: when the whole suite starts at once on two cores,
/// a request can wait many seconds for a thread, so they are generous on purpose.
final class SimulatorHarness: @unchecked Sendable {  // used from one test task only
    let provider: SimulatedProvider
    let clock: ManualSimulatorClock
    let logs = InMemoryLogHandler()
    let issuer: URL
    let transport: CurlTransport
    /// The bound of every request (see the type's comment).
    static let requestTimeout: Duration = .seconds(120)
    let clientKeyRSA: PrivateKey
    let clientKeyEC: PrivateKey

    static let clientSecret = SimulatorConfiguration.demoClientSecret
    static let clientID = SimulatorConfiguration.demoClientID

    init(configure: (inout SimulatorConfiguration) -> Void = { _ in }) throws {
        clock = ManualSimulatorClock(start: Date())
        clientKeyRSA = try SharedKeys.require(SharedKeys.clientRSA)
        clientKeyEC = try SharedKeys.require(SharedKeys.clientEC)
        var configuration = SimulatorConfiguration.demo
        configuration.signingKey = try SharedKeys.require(SharedKeys.providerRSA)
        configuration.clock = clock.clock
        configuration.clientJWKs = [try clientKeyRSA.publicJWK(keyID: "client-rsa"), try clientKeyEC.publicJWK(keyID: "client-ec")]
        configure(&configuration)
        provider = SimulatedProvider(configuration: configuration, logger: Logger(handler: logs, level: .trace))
        issuer = try provider.start(listen: .parse("127.0.0.1:0"))
        transport = try CurlTransport()
    }

    func stop() async {
        await provider.shutdown()
    }

    var basic: TestAuth { .basic(id: Self.clientID, secret: Self.clientSecret) }

    // MARK: - Requests

    func get(_ path: String) async throws -> TestResponse {
        let url = issuer.appendingPathComponent(String(path.dropFirst()))
        return Self.wrap(try await transport.send(HTTPTransportRequest(method: "GET", url: url, timeout: Self.requestTimeout)))
    }

    /// Sends `request` as it is (method, headers, body) to the simulator.
    func send(_ method: String, to url: URL, headers: [(String, String)], body: String, timeout: Duration = requestTimeout) async throws -> TestResponse {
        Self.wrap(try await transport.send(HTTPTransportRequest(method: method, url: url, headers: headers, body: Array(body.utf8), timeout: timeout)))
    }

    func post(_ path: String, _ parameters: [(String, String)], auth: TestAuth, timeout: Duration = requestTimeout) async throws -> TestResponse {
        var form = parameters
        var headers: [(String, String)] = [("Content-Type", "application/x-www-form-urlencoded")]
        switch auth {
        case .none:
            break
        case .basic(let id, let secret):
            let credentials = "\(FormURLEncoding.encodeComponent(id)):\(FormURLEncoding.encodeComponent(secret))"
            headers.append(("Authorization", "Basic \(Data(credentials.utf8).base64EncodedString())"))
        case .post(let id, let secret):
            form += [("client_id", id), ("client_secret", secret)]
        case .jwt(let key, let keyID, let audience, let claims):
            let signer = JWTSigner(key: key, keyID: keyID)
            let assertion: String
            if let claims {
                assertion = try signer.sign(claims: claims)
            } else {
                assertion = try signer.signClientAssertion(clientID: Self.clientID, audience: audience ?? issuer.absoluteString, now: clock.now)
            }
            form += [("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", assertion)]
        }
        return try await send("POST", to: issuer.appendingPathComponent(String(path.dropFirst())), headers: headers,
                              body: FormURLEncoding.encode(form), timeout: timeout)
    }

    /// bc-authorize for `number` (Idura `sub:ssn:` hint) with `acr`.
    func authorize(
        _ number: String, acr: String? = "urn:grn:authn:se:bankid", auth: TestAuth? = nil,
        extra: [(String, String)] = []
    ) async throws -> TestResponse {
        var form: [(String, String)] = [("scope", "openid"), ("login_hint", "sub:ssn:\(number)")]
        if let acr { form.append(("acr_values", acr)) }
        return try await post("/ciba/bc-authorize", form + extra, auth: auth ?? basic)
    }

    /// bc-authorize that must succeed; returns the auth_req_id.
    func start(_ number: String, acr: String = "urn:grn:authn:se:bankid", extra: [(String, String)] = []) async throws -> String {
        let response = try await authorize(number, acr: acr, extra: extra)
        guard response.status == 200, let id = response.json?["auth_req_id"]?.stringValue else {
            throw HarnessError.unexpected("bc-authorize answered \(response.status) \(response.text)")
        }
        return id
    }

    func poll(_ authRequestID: String, auth: TestAuth? = nil, advance: TimeInterval = 1, timeout: Duration = requestTimeout) async throws -> TestResponse {
        clock.advance(by: advance)
        return try await post(
            "/oauth2/token", [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", authRequestID)],
            auth: auth ?? basic, timeout: timeout)
    }

    /// The published JWKS, fetched over HTTP.
    func fetchJWKS() async throws -> JWKSet {
        try JWKSet.parse([UInt8](try await get("/.well-known/jwks").body))
    }

    /// Verifies an ID token against the JWKS fetched over HTTP and returns its claims.
    func verifiedClaims(_ idToken: String) async throws -> [String: JSONValue] {
        let jws = try CompactJWS.parse(idToken)
        try JWSVerifier(allowedAlgorithms: [.rs256]).verify(jws, keySet: try await fetchJWKS())
        return try jws.claims()
    }

    enum HarnessError: Error { case unexpected(String) }

    private static func wrap(_ response: HTTPTransportResponse) -> TestResponse {
        var headers: [String: String] = [:]
        for (name, value) in response.headers { headers[name.lowercased()] = value }
        return TestResponse(status: response.status, body: Data(response.body), headers: headers)
    }
}

/// Runs `body` with a fresh harness and always stops it.
func withSimulator(
    configure: (inout SimulatorConfiguration) -> Void = { _ in },
    _ body: (SimulatorHarness) async throws -> Void
) async throws {
    let harness = try SimulatorHarness(configure: configure)
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}
