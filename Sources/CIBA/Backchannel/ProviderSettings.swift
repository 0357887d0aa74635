import Foundation
import JOSE

/// Everything the CIBA client needs to know about one provider and our client registration.
///
/// Endpoints left `nil` come from the issuer's discovery document; when all three are given,
/// discovery is skipped (useful for providers without one).
public struct ProviderSettings: Sendable {
    /// The issuer exactly as the provider spells it; ID tokens' `iss` must equal it character for character.
    public var issuer: URL
    public var clientID: String
    public var authentication: ClientAuthentication
    /// Bounds every single HTTP request (discovery, JWKS, bc-authorize, each poll).
    public var requestTimeout: Duration
    public var backchannelEndpoint: URL?
    public var tokenEndpoint: URL?
    public var jwksURI: URL?
    /// Permits plain `http://` to non-loopback hosts (issuer and every endpoint). Off by default.
    public var allowInsecureHTTP: Bool
    public var assertionAudience: AssertionAudience
    /// Signature algorithms accepted on ID tokens. `none` and HMAC algorithms are removed even if listed.
    public var allowedAlgorithms: Set<JWSAlgorithm>
    /// Tolerance for `exp`, `iat`, `nbf` (capped at 60 s).
    public var clockSkew: Duration
    /// Trust, client certificate, proxy and size limit of the connection (``CurlTransport``).
    public var transport: TransportSettings
    /// A PEM CA bundle to trust for TLS instead of the system store (``TransportSettings/caFile``).
    public var caFile: String? {
        get { transport.caFile }
        set { transport.caFile = newValue }
    }
    /// How long a discovery document is trusted before it is fetched again.
    public var metadataLifetime: Duration
    /// How long a JWKS is trusted before it is fetched again.
    public var jwksLifetime: Duration
    /// Minimum time between two JWKS fetches triggered by an unknown `kid` (stops key-id flooding).
    public var jwksRefetchCooldown: Duration
    /// Lifetime of a `private_key_jwt` assertion (capped at 5 minutes).
    public var assertionLifetime: Duration
    /// ID tokens longer than this are refused before parsing.
    public var maxIDTokenBytes: Int
    /// Responses longer than this are refused by the transport (``TransportSettings/maxResponseBytes``).
    public var maxResponseBytes: Int {
        get { transport.maxResponseBytes }
        set { transport.maxResponseBytes = newValue }
    }

    public init(
        issuer: URL,
        clientID: String,
        authentication: ClientAuthentication,
        requestTimeout: Duration = .seconds(10),
        backchannelEndpoint: URL? = nil,
        tokenEndpoint: URL? = nil,
        jwksURI: URL? = nil,
        allowInsecureHTTP: Bool = false,
        assertionAudience: AssertionAudience = .issuer,
        allowedAlgorithms: Set<JWSAlgorithm> = [.rs256, .rs384, .rs512, .ps256, .ps384, .ps512, .es256, .es384],
        clockSkew: Duration = .seconds(60),
        caFile: String? = nil,
        metadataLifetime: Duration = .seconds(3600),
        jwksLifetime: Duration = .seconds(3600),
        jwksRefetchCooldown: Duration = .seconds(30),
        assertionLifetime: Duration = .seconds(60),
        maxIDTokenBytes: Int = 16_384,
        maxResponseBytes: Int = 1_048_576,
        transport: TransportSettings = TransportSettings()
    ) {
        self.transport = transport
        self.issuer = issuer
        self.clientID = clientID
        self.authentication = authentication
        self.requestTimeout = requestTimeout
        self.backchannelEndpoint = backchannelEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.jwksURI = jwksURI
        self.allowInsecureHTTP = allowInsecureHTTP
        self.assertionAudience = assertionAudience
        self.allowedAlgorithms = allowedAlgorithms
        self.clockSkew = clockSkew
        if let caFile { self.transport.caFile = caFile }
        self.metadataLifetime = metadataLifetime
        self.jwksLifetime = jwksLifetime
        self.jwksRefetchCooldown = jwksRefetchCooldown
        self.assertionLifetime = assertionLifetime
        self.maxIDTokenBytes = maxIDTokenBytes
        self.transport.maxResponseBytes = maxResponseBytes
    }

    var endpointPolicy: EndpointPolicy { EndpointPolicy(allowInsecureHTTP: allowInsecureHTTP) }
}
