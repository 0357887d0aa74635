import CIBA
import Foundation
import JOSE
import StructuredLogging

/// Keys generated once per test process (RSA generation is slow-ish).
enum TestKeys {
    static let rsa: PrivateKey = generate { try PrivateKey.generateRSA() }
    static let rsaRotated: PrivateKey = generate { try PrivateKey.generateRSA() }
    static let otherRSA: PrivateKey = generate { try PrivateKey.generateRSA() }
    static let p256: PrivateKey = generate { try PrivateKey.generateP256() }
    static let clientRSA: PrivateKey = generate { try PrivateKey.generateRSA() }

    private static func generate(_ make: () throws -> PrivateKey) -> PrivateKey {
        do { return try make() } catch { fatalError("test key generation failed: \(error)") }
    }
}

/// A fake provider in front of a ``ScriptedTransport``: discovery, JWKS, bc-authorize, and
/// ID tokens signed with real keys.
struct TestProvider {
    static let issuer = URL(string: "https://op.example.com")!
    static let clientID = "urn:test:client"
    static let secret = "s3cr3t:Pa%ss word+ö"
    static let number = "196802020575"
    static let authReqID = "areq-7f3c2d1e-9b8a-4c5d-8e7f-112233445566"

    let clock: ManualClock
    let transport: ScriptedTransport
    let logs = InMemoryLogHandler()

    init(autoAdvance: Bool = true) {
        clock = ManualClock(autoAdvance: autoAdvance)
        transport = ScriptedTransport(clock: clock)
        transport.on("/.well-known/openid-configuration", [.json(200, TestProvider.discovery())])
        transport.on("/jwks", [.json(200, TestProvider.jwks([(TestKeys.rsa, "k1")]))])
        transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": .string(TestProvider.authReqID), "expires_in": 120])])
    }

    static func discovery(issuer: String = TestProvider.issuer.absoluteString, extra: [String: JSONValue] = [:]) -> JSONValue {
        var document: [String: JSONValue] = [
            "issuer": .string(issuer),
            "backchannel_authentication_endpoint": "https://op.example.com/ciba/bc-authorize",
            "token_endpoint": "https://op.example.com/oauth2/token",
            "jwks_uri": "https://op.example.com/jwks",
            "backchannel_token_delivery_modes_supported": ["poll"],
            "grant_types_supported": ["urn:openid:params:grant-type:ciba"],
        ]
        for (k, v) in extra { document[k] = v }
        return .object(document)
    }

    static func jwks(_ keys: [(PrivateKey, String?)]) -> JSONValue {
        let set = JWKSet(keys: keys.map { key, kid in
            do { return try key.publicJWK(keyID: kid) } catch { fatalError("jwk export failed") }
        })
        return set.json
    }

    static func settings(_ authentication: ClientAuthentication = .clientSecretBasic(secret: TestProvider.secret)) -> ProviderSettings {
        ProviderSettings(issuer: issuer, clientID: clientID, authentication: authentication)
    }

    func authenticator(_ settings: ProviderSettings = TestProvider.settings(), level: LogLevel = .trace) -> BackchannelAuthenticator {
        BackchannelAuthenticator(settings: settings, transport: transport, clock: clock,
                                 logger: Logger(handler: logs, level: level))
    }

    /// Standard Idura-like claims, valid now.
    static func claims(ssn: String = TestProvider.number, now: Date = Date()) -> [String: JSONValue] {
        let t = now.timeIntervalSince1970.rounded(.down)
        return [
            "iss": .string(issuer.absoluteString),
            "aud": .string(clientID),
            "sub": "{bb9c2364-dfae-44f3-bcfd-999053d94f9e}",
            "ssn": .string(ssn),
            "name": "Terne Paulsen",
            "given_name": "Terne",
            "family_name": "Paulsen",
            "country": "SE",
            "identityscheme": "sebankid",
            "iat": .number(t),
            "nbf": .number(t),
            "exp": .number(t + 120),
        ]
    }

    static func sign(_ claims: [String: JSONValue], key: PrivateKey = TestKeys.rsa, kid: String? = "k1") -> String {
        do { return try JWTSigner(key: key, keyID: kid).sign(claims: claims) } catch { fatalError("signing failed: \(error)") }
    }

    static func tokenResponse(_ idToken: String) -> ScriptedReply {
        .json(200, ["token_type": "Bearer", "expires_in": 120, "id_token": .string(idToken), "access_token": "at-secret-value-0123456789"])
    }

    static let pending: ScriptedReply = .json(400, ["error": "authorization_pending", "error_description": "awaiting user identification"])
    static let slowDown: ScriptedReply = .json(400, ["error": "slow_down"])

    static func error(_ code: String, _ description: String? = nil, status: Int = 400) -> ScriptedReply {
        var object: [String: JSONValue] = ["error": .string(code)]
        if let description { object["error_description"] = .string(description) }
        return .json(status, .object(object))
    }

    /// Starts a request for the test person.
    func start(_ authenticator: BackchannelAuthenticator) async throws -> BackchannelGrant {
        try await authenticator.start(BackchannelRequest(hint: .loginHint("sub:ssn:\(TestProvider.number)"),
                                                         acrValues: "urn:grn:authn:se:bankid"))
    }

    /// Times (clock offsets) at which token requests were sent.
    var pollTimes: [Duration] { transport.requests(to: "/oauth2/token").map(\.at) }
}

/// Collects poll events.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [PollEvent] = []
    func append(_ e: PollEvent) { lock.lock(); stored.append(e); lock.unlock() }
    var events: [PollEvent] { lock.lock(); defer { lock.unlock() }; return stored }
}

/// Runs `body`, expecting a ``CIBAFailure``; returns it (nil when something else happened).
func caught(_ body: () async throws -> Void) async -> CIBAFailure? {
    do {
        try await body()
        return nil
    } catch let failure as CIBAFailure {
        return failure
    } catch {
        return nil
    }
}
