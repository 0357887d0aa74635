import URLEncoding
import Foundation
import JOSE
import StructuredLogging

/// The CIBA client (poll mode) for one provider: discovery, bc-authorize, polling, ID-token
/// validation, credential check.
///
/// Create one per provider and keep it: it owns the discovery and JWKS caches and (with the
/// convenience initialiser) one `URLSession`, so connections are reused across calls. All
/// methods are safe to call concurrently; one call's failure never affects another's state.
///
/// Time (intervals, expiry, cache lifetimes, rate limits) comes only from the injected clock;
/// token `exp`/`iat`/`nbf` and assertion times come from `wallClock`.
public final class BackchannelAuthenticator: Sendable {
    public let settings: ProviderSettings
    let http: ProviderHTTPClient
    let clock: ElapsedClock
    let logger: Logger
    let metadataCache: MetadataCache
    let jwksCache: JWKSCache
    let validator: IDTokenValidator
    let client: ClientAuthenticator
    private let observer: Locked<(@Sendable (ProviderRequestMetric) -> Void)?>

    /// Called after every provider request (discovery, jwks, bc-authorize, token) with the
    /// endpoint name, the status (`200`, `400`, ..., `timeout`, `error`, `cancelled`) and the duration.
    public var onProviderRequest: (@Sendable (ProviderRequestMetric) -> Void)? {
        get { observer.current }
        set { observer.withLock { $0 = newValue } }
    }

    public init<C: Clock>(settings: ProviderSettings, transport: any HTTPTransport, clock: C, logger: Logger,
                          wallClock: @escaping @Sendable () -> Date = { Date() }) where C.Duration == Duration {
        self.settings = settings
        let elapsed = ElapsedClock(clock)
        self.clock = elapsed
        self.logger = logger
        let observer = Locked<(@Sendable (ProviderRequestMetric) -> Void)?>(nil)
        self.observer = observer
        let http = ProviderHTTPClient(transport: transport, clock: elapsed, logger: logger,
                                      requestTimeout: settings.requestTimeout,
                                      observer: { metric in observer.current?(metric) })
        self.http = http
        let metadataCache = MetadataCache(settings: settings, http: http)
        self.metadataCache = metadataCache
        jwksCache = JWKSCache(settings: settings, http: http, jwksURI: { try await metadataCache.metadata().jwksURI })
        validator = IDTokenValidator(settings: settings, now: wallClock)
        client = ClientAuthenticator(clientID: settings.clientID, method: settings.authentication, issuer: settings.issuer,
                                     audience: settings.assertionAudience, assertionLifetime: settings.assertionLifetime,
                                     now: wallClock)
    }

    /// Uses a ``URLSessionTransport`` built from the settings (`caFile`, `maxResponseBytes`).
    public convenience init<C: Clock>(settings: ProviderSettings, clock: C, logger: Logger) throws(CIBAFailure)
    where C.Duration == Duration {
        let transport = try URLSessionTransport(configuration: .init(maxResponseBytes: settings.maxResponseBytes,
                                                                     caFile: settings.caFile))
        self.init(settings: settings, transport: transport, clock: clock, logger: logger)
    }

    /// The provider endpoints (discovery, cached for `metadataLifetime`; explicit settings win).
    /// Throws ``CIBAFailure``: `configuration` (issuer mismatch, no poll mode, refused URL),
    /// `unreachable`, `providerError`.
    public func metadata() async throws -> ProviderMetadata {
        try await metadataCache.metadata()
    }

    /// The provider's current signing keys (cached).
    public func signingKeys() async throws -> JWKSet {
        try await jwksCache.current()
    }

    var secrets: [String] { [settings.authentication.secret].compactMap { $0 } }

    func formRequest(url: URL, fields: [(String, String)]) throws(CIBAFailure) -> HTTPTransportRequest {
        var fields = fields
        var headers = try client.apply(to: &fields, endpoint: url)
        headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        headers.append(("Accept", "application/json"))
        return HTTPTransportRequest(method: "POST", url: url, headers: headers,
                                    body: Array(FormURLEncoding.encode(fields).utf8), timeout: settings.requestTimeout)
    }

    /// Sends the backchannel authentication request. Throws ``CIBAFailure`` (`unknownUser`,
    /// `accessDenied`, `configuration` for rejected client credentials, `providerError`,
    /// `unreachable`) or `CancellationError`.
    ///
    /// `logger`: this request's logger (for example one carrying `txn` and `uniqueid`), used for
    /// the bc-authorize log lines; nil uses the authenticator's own.
    public func start(_ request: BackchannelRequest, logger: Logger? = nil) async throws -> BackchannelGrant {
        let logger = logger ?? self.logger
        let metadata = try await metadata()
        let secrets = self.secrets + [request.hint.value]
        let httpRequest = try formRequest(url: metadata.backchannelAuthenticationEndpoint, fields: try request.formFields())
        let response = try await http.send(httpRequest, endpoint: "bc-authorize", logger: logger)
        if response.status == 404 { await metadataCache.invalidate() }
        guard (200..<300).contains(response.status) else {
            throw BackchannelAuthenticator.startFailure(response, secrets: secrets)
        }
        guard let object = JSONText.object(response.body) else {
            throw CIBAFailure(.providerError, "bc-authorize answer is not a JSON object (\(ResponseHint.describe(response)))",
                              status: response.status)
        }
        guard let authReqID = JSONText.string(object, "auth_req_id"), !authReqID.isEmpty, authReqID.utf8.count <= 2048 else {
            throw CIBAFailure(.providerError, "bc-authorize answer has no auth_req_id", status: response.status)
        }
        guard let expiresIn = JSONText.integer(object, "expires_in"), expiresIn > 0 else {
            throw CIBAFailure(.providerError, "bc-authorize answer has no positive expires_in", status: response.status)
        }
        var interval: Int? = nil
        if object["interval"] != nil {
            guard let value = JSONText.integer(object, "interval"), value >= 0 else {
                throw CIBAFailure(.providerError, "bc-authorize answer has an invalid interval", status: response.status)
            }
            interval = value >= 1 ? min(value, 300) : nil
        }
        let binding = JSONText.string(object, "bindingMessage").flatMap { text -> String? in
            let clean = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(120))
            return clean.isEmpty ? nil : clean
        }
        logger.info("ciba.bc_authorize.accepted", ["expires_in": String(expiresIn),
                                                    "interval": interval.map(String.init) ?? "default",
                                                    "binding_message": binding == nil ? "none" : "present"])
        return BackchannelGrant(authReqID: authReqID, expiresIn: expiresIn, interval: interval,
                                bindingMessage: binding, receivedAt: clock.now())
    }

    static func startFailure(_ response: HTTPTransportResponse, secrets: [String]) -> CIBAFailure {
        if let error = OAuthErrorResponse.parse(response, redacting: secrets) {
            switch error.error {
            case "unknown_user_id":
                return error.failure(.unknownUser, "the provider does not know this user")
            case "invalid_client", "unauthorized_client":
                return error.failure(.configuration, "the provider rejected our client credentials (\(error.error))")
            case "access_denied":
                return error.failure(.accessDenied, "the provider denied the request")
            default:
                return error.failure(.providerError, "bc-authorize failed with \(error.error)")
            }
        }
        if response.status == 401 {
            return CIBAFailure(.configuration, "the provider rejected our client credentials (HTTP 401)", status: 401)
        }
        return CIBAFailure(.providerError, "bc-authorize answered HTTP \(response.status) (\(ResponseHint.describe(response)))",
                           status: response.status)
    }
}
