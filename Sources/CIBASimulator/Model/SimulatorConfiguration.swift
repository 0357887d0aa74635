import Foundation
import HTTPServer
import JOSE
import TLS

/// How the simulated provider behaves: the one registered client, the persons, timing.
public struct SimulatorConfiguration: Sendable {
    /// The registered client's id.
    public var clientID: String
    /// The client secret for `client_secret_basic` / `client_secret_post`; nil disables both.
    public var clientSecret: String?
    /// Public keys accepted for `private_key_jwt` assertions (RSA or EC). Empty disables it.
    public var clientJWKs: [JWK]
    /// Client authentication methods accepted (all three by default).
    public var allowedClientAuthMethods: Set<ClientAuthMethod>
    /// The test persons (see `SimulatedPerson.catalog`).
    public var persons: [SimulatedPerson]
    /// Polling interval in seconds announced in bc-authorize answers and enforced with
    /// `slow_down` (1 s by default to keep demos snappy; Idura's is 3–5 s).
    public var interval: Int
    /// Whether bc-authorize answers carry `interval` (Idura's Swedish answers may omit
    /// it; a client must then poll every 5 s, which is what the simulator then enforces).
    public var announcesInterval: Bool
    /// `expires_in` for every request; nil uses Idura's defaults (120 s Swedish/FrejaID, 900 s Norwegian).
    public var expiresIn: Int?
    /// Answer `slow_down` when a client polls faster than the interval (real behaviour).
    public var enforcesPollingInterval: Bool
    /// Slack for the interval check, in seconds (timers and networks are not exact).
    public var pollingTolerance: TimeInterval
    /// The time source (expiry, intervals, token times, assertion checks, request log).
    public var clock: SimulatorClock
    /// How long a `.noAnswer` token request hangs before giving up with 504
    /// (shutdown ends it earlier).
    public var noAnswerDelay: Duration
    /// ID token lifetime in seconds (Idura: 20 minutes).
    public var idTokenLifetime: Int
    /// `expires_in` of the access token in the token response.
    public var accessTokenLifetime: Int
    /// The issuer to publish instead of `http://<bound address>` (e.g. when listening on
    /// 0.0.0.0 behind another name). No trailing slash.
    public var publicIssuer: URL?
    /// HTTP server limits.
    public var httpLimits: HTTPServerLimits
    /// Send `WWW-Authenticate: Basic` with 401 answers to Basic-authenticated requests,
    /// as RFC 6749 §5.2 asks. Off by default: URLSession on Linux (swift-corelibs-foundation
    /// before the fix for issue #5456) hangs forever on a 401 that carries the header
    /// unless the client implements the authentication-challenge delegate, ignoring its
    /// request timeout. Turn it on to test that a client survives it.
    public var sendsWWWAuthenticate: Bool
    /// The RS256 signing key to start with; nil generates a fresh 2048-bit key at
    /// `start` (tests that start many providers pass a shared key to save CPU).
    public var signingKey: PrivateKey?
    /// Serve https with this context (server certificate; whether and against which CA client
    /// certificates are asked for). nil serves plain http. The issuer is then `https://...`.
    public var tls: TLSServerContext?
    /// RFC 8705 `tls_client_auth`: the subject DN (RFC 4514, as `TLSCertificate.subject`) the
    /// client's certificate must carry; the certificate must also chain to the server's client
    /// CA. nil disables the method.
    public var tlsClientAuthSubjectDN: String?
    /// RFC 8705 `self_signed_tls_client_auth`: the registered certificates' SHA-256
    /// thumbprints (base64url, `x5t#S256`). Empty disables the method.
    public var selfSignedCertificateThumbprints: Set<String> = []

    public init(
        clientID: String = SimulatorConfiguration.demoClientID,
        clientSecret: String? = SimulatorConfiguration.demoClientSecret,
        clientJWKs: [JWK] = [],
        allowedClientAuthMethods: Set<ClientAuthMethod> = Set(ClientAuthMethod.allCases),
        persons: [SimulatedPerson] = SimulatedPerson.catalog,
        interval: Int = 1,
        announcesInterval: Bool = true,
        expiresIn: Int? = nil,
        enforcesPollingInterval: Bool = true,
        pollingTolerance: TimeInterval = 0.25,
        clock: SimulatorClock = .system,
        noAnswerDelay: Duration = .seconds(300),
        idTokenLifetime: Int = 1200,
        accessTokenLifetime: Int = 120,
        publicIssuer: URL? = nil,
        httpLimits: HTTPServerLimits = HTTPServerLimits(),
        sendsWWWAuthenticate: Bool = false,
        signingKey: PrivateKey? = nil
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.clientJWKs = clientJWKs
        self.allowedClientAuthMethods = allowedClientAuthMethods
        self.persons = persons
        self.interval = interval
        self.announcesInterval = announcesInterval
        self.expiresIn = expiresIn
        self.enforcesPollingInterval = enforcesPollingInterval
        self.pollingTolerance = pollingTolerance
        self.clock = clock
        self.noAnswerDelay = noAnswerDelay
        self.idTokenLifetime = idTokenLifetime
        self.accessTokenLifetime = accessTokenLifetime
        self.publicIssuer = publicIssuer
        self.httpLimits = httpLimits
        self.sendsWWWAuthenticate = sendsWWWAuthenticate
        self.signingKey = signingKey
    }

    /// The demo client id.
    public static let demoClientID = "urn:ciba-agi:demo"
    /// The demo client secret: public on purpose, for the simulator only.
    public static let demoClientSecret = "ciba-agi-demo-secret"

    /// The demo configuration: client `urn:ciba-agi:demo` with the demo secret (Basic or
    /// post), the catalog persons, a 1 s interval and Idura's expiry times. Add a
    /// public key to `clientJWKs` to use `private_key_jwt`.
    public static var demo: SimulatorConfiguration { SimulatorConfiguration() }

    /// `expires_in` for a request of `scheme`.
    func expiresIn(for scheme: IdentityScheme) -> Int {
        if let expiresIn { return expiresIn }
        return scheme == .norwegianBankID ? 900 : 120
    }

    /// The interval the simulator holds clients to before any `slow_down`.
    var effectiveInterval: Int { announcesInterval ? max(0, interval) : 5 }
}
