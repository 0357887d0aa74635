import URLEncoding
import CIBASimulator
import Foundation
import HTTPServer
import JOSE
import StructuredLogging

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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

/// A started simulated provider with a manual clock, a log capture and a URLSession.
final class SimulatorHarness: @unchecked Sendable {  // used from one test task only
    let provider: SimulatedProvider
    let clock: ManualSimulatorClock
    let logs = InMemoryLogHandler()
    let issuer: URL
    let session: URLSession
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
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = 10
        session = URLSession(configuration: sessionConfiguration)
    }

    func stop() async {
        session.invalidateAndCancel()
        await provider.shutdown()
    }

    var basic: TestAuth { .basic(id: Self.clientID, secret: Self.clientSecret) }

    // MARK: - Requests

    func get(_ path: String) async throws -> TestResponse {
        let url = issuer.appendingPathComponent(String(path.dropFirst()))
        let (data, response) = try await session.data(from: url)
        return Self.wrap(data, response)
    }

    func post(_ path: String, _ parameters: [(String, String)], auth: TestAuth, timeout: TimeInterval = 10) async throws -> TestResponse {
        var form = parameters
        var request = URLRequest(url: issuer.appendingPathComponent(String(path.dropFirst())))
        request.httpMethod = "POST"
        request.timeoutInterval = timeout
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        switch auth {
        case .none:
            break
        case .basic(let id, let secret):
            let credentials = "\(FormURLEncoding.encodeComponent(id)):\(FormURLEncoding.encodeComponent(secret))"
            request.setValue("Basic \(Data(credentials.utf8).base64EncodedString())", forHTTPHeaderField: "Authorization")
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
        request.httpBody = Data(FormURLEncoding.encode(form).utf8)
        let (data, response) = try await session.data(for: request)
        return Self.wrap(data, response)
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

    func poll(_ authRequestID: String, auth: TestAuth? = nil, advance: TimeInterval = 1, timeout: TimeInterval = 10) async throws -> TestResponse {
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

    private static func wrap(_ data: Data, _ response: URLResponse) -> TestResponse {
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http?.allHeaderFields ?? [:] {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return TestResponse(status: http?.statusCode ?? 0, body: data, headers: headers)
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
