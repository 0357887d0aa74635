import Foundation
import Sockets
import StructuredLogging
import CIBA

/// The validated `ciba-agi.json` (CONTRACT §4), with environment overrides and secret files
/// already applied. Build it with `ConfigurationLoader`; every field here is usable as is.
public struct Configuration: Sendable {
    public var listen: [SocketAddress]
    public var allowedClients: AllowList
    /// The CIDR blocks as written, for log lines and `check-config`.
    public var allowedClientsText: [String]
    /// The `/healthz` + `/metrics` endpoint; nil when `opsListen` is null.
    public var opsListen: SocketAddress?
    /// The audit file; nil when `auditLog` is null (not recommended).
    public var auditLog: String?
    public var provider: ProviderConfiguration
    public var defaultProfile: String
    public var profiles: [String: Profile]
    public var musicOnHoldClass: String
    /// Number entry attempts per call before `INVALID` (also the per-call cap).
    public var maxAttempts: Int
    public var drainTimeoutSeconds: Int
    public var rateLimits: RateLimitSettings
    public var logLevel: LogLevel
    /// Concurrent AGI sessions accepted before new connections are refused.
    public var maxSessions: Int
    /// How long GET DATA waits for the first digit and between digits.
    public var digitTimeoutSeconds: Int
    /// `verificationRetentionMinutes`: how long verification records are kept after their last change.
    public var verificationRetentionMinutes: Int
    /// `logCallerId`: write caller ids in full to logs, audit and records (default: masked).
    public var logCallerID: Bool
    /// The agent desk (`agentListen` and friends); nil when off.
    public var agentDesk: AgentDeskSettings? = nil
    /// The manager connection (`ami`) for queue mode; nil when off (queue mode then only polls).
    public var ami: AMISettings? = nil
    /// `sharedState` (Redis/Valkey for rate limits and verifications); nil keeps both in this process.
    public var sharedState: SharedStateSettings? = nil

    public init(listen: [SocketAddress], allowedClients: AllowList, allowedClientsText: [String], opsListen: SocketAddress?,
                auditLog: String?, provider: ProviderConfiguration, defaultProfile: String, profiles: [String: Profile],
                musicOnHoldClass: String = "default", maxAttempts: Int = 3, drainTimeoutSeconds: Int = 30,
                rateLimits: RateLimitSettings = .init(), logLevel: LogLevel = .info, maxSessions: Int = 20_000,
                digitTimeoutSeconds: Int = 8, verificationRetentionMinutes: Int = 60, logCallerID: Bool = false) {
        self.listen = listen
        self.allowedClients = allowedClients
        self.allowedClientsText = allowedClientsText
        self.opsListen = opsListen
        self.auditLog = auditLog
        self.provider = provider
        self.defaultProfile = defaultProfile
        self.profiles = profiles
        self.musicOnHoldClass = musicOnHoldClass
        self.maxAttempts = maxAttempts
        self.drainTimeoutSeconds = drainTimeoutSeconds
        self.rateLimits = rateLimits
        self.logLevel = logLevel
        self.maxSessions = maxSessions
        self.digitTimeoutSeconds = digitTimeoutSeconds
        self.verificationRetentionMinutes = verificationRetentionMinutes
        self.logCallerID = logCallerID
    }
}

/// `rateLimits`: authentication requests started per caller id / per number in 10 minutes.
public struct RateLimitSettings: Sendable, Equatable {
    public var perCallerPer10Min: Int
    public var perNumberPer10Min: Int

    public init(perCallerPer10Min: Int = 5, perNumberPer10Min: Int = 3) {
        self.perCallerPer10Min = perCallerPer10Min
        self.perNumberPer10Min = perNumberPer10Min
    }
}

/// `provider`: the OpenID provider and this client's credentials.
public struct ProviderConfiguration: Sendable {
    public var issuer: URL
    public var clientID: String
    /// Holds the secret or key; its description never prints them.
    public var authentication: ClientAuthentication
    /// Trust, client certificate, proxy, TLS version (`ProviderTransportLoader`).
    public var transport: TransportSettings
    public var caFile: String? {
        get { transport.caFile }
        set { transport.caFile = newValue }
    }
    public var allowInsecureHTTP: Bool
    public var requestTimeoutSeconds: Int
    public var backchannelEndpoint: URL?
    public var tokenEndpoint: URL?
    public var jwksURI: URL?

    public init(issuer: URL, clientID: String, authentication: ClientAuthentication, caFile: String? = nil,
                transport: TransportSettings = TransportSettings(), allowInsecureHTTP: Bool = false, requestTimeoutSeconds: Int = 10, backchannelEndpoint: URL? = nil,
                tokenEndpoint: URL? = nil, jwksURI: URL? = nil) {
        self.issuer = issuer
        self.clientID = clientID
        self.authentication = authentication
        self.transport = transport
        if let caFile { self.transport.caFile = caFile }
        self.allowInsecureHTTP = allowInsecureHTTP
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.backchannelEndpoint = backchannelEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.jwksURI = jwksURI
    }

    /// The settings the CIBA client takes.
    public var settings: ProviderSettings {
        var s = ProviderSettings(issuer: issuer, clientID: clientID, authentication: authentication)
        s.requestTimeout = .seconds(requestTimeoutSeconds)
        s.backchannelEndpoint = backchannelEndpoint
        s.tokenEndpoint = tokenEndpoint
        s.jwksURI = jwksURI
        s.allowInsecureHTTP = allowInsecureHTTP
        s.transport = transport
        return s
    }

    /// The `clientAuth` name, for log lines.
    public var authenticationName: String {
        switch authentication {
        case .clientSecretBasic: "client_secret_basic"
        case .clientSecretPost: "client_secret_post"
        case .privateKeyJWT: "private_key_jwt"
        case .tlsClientAuth: "tls_client_auth"
        case .selfSignedTLSClientAuth: "self_signed_tls_client_auth"
        }
    }
}
