import Foundation
import HTTPServer
import JOSE
import Sockets
import StructuredLogging
import Synchronization

/// An in-process OpenID Connect CIBA provider (poll mode) that behaves like Idura Verify:
/// discovery, JWKS, `/ciba/bc-authorize`, `/oauth2/token`, the three client
/// authentication methods, Swedish BankID / Norwegian BankID / FrejaID test persons with
/// scripted outcomes (`SimulatedPerson.catalog`), pending descriptions, Norwegian word
/// pairs and RS256 ID tokens with Idura's claims.
///
/// ```swift
/// let provider = SimulatedProvider()                    // .demo configuration
/// let issuer = try provider.start(listen: try .parse("127.0.0.1:0"))
/// // point a CIBA client at `issuer` with client "urn:ciba-agi:demo" / demo secret
/// await provider.shutdown()
/// ```
///
/// Privacy: the request log (`requests`) and log lines hold masked numbers only, never
/// auth_req_ids, tokens, secrets or assertions.
public final class SimulatedProvider: Sendable {
    let configuration: SimulatorConfiguration
    let logger: Logger
    let state = Mutex(ProviderState())

    struct ProviderState: Sendable {
        var server: HTTPServer?
        var issuer: URL?
        var signingKey: SigningKey?
        /// Earlier signing keys still published (see `rotateSigningKey(keepPrevious:)`).
        var retiredKeys: [JWK] = []
        var pending: [String: PendingAuthentication] = [:]
        /// `jti` of accepted client assertions until their `exp` (replay protection).
        var usedAssertionIDs: [String: Date] = [:]
        /// When `usedAssertionIDs` was last pruned (seconds since 1970).
        var assertionIDsPrunedAt: TimeInterval = 0
        var requests: [SimulatedRequest] = []
        var stopped = false
    }

    public init(configuration: SimulatorConfiguration = .demo, logger: Logger = .disabled) {
        self.configuration = configuration
        self.logger = logger.with("component", "ciba-simulator")
    }

    /// Generates the signing keys, binds `listen` (port 0 picks a free port) and serves.
    /// Returns the issuer, `http://HOST:PORT` (`https://` with `configuration.tls`) (no trailing slash), or
    /// `configuration.publicIssuer` when set. A wildcard address (0.0.0.0, ::) is
    /// published as the loopback address.
    @discardableResult
    public func start(listen: SocketAddress) throws -> URL {
        let signingKey = try configuration.signingKey.map { try SigningKey(key: $0) } ?? SigningKey.generateRSA()
        if configuration.persons.contains(where: { $0.outcome == .invalidSignature }) {
            _ = SigningKey.rogue  // generate it now, not under the state lock at the first such poll
        }
        let server = HTTPServer(
            listen: listen, limits: configuration.httpLimits, tls: configuration.tls, logger: logger.with("layer", "http"),
            handler: { [weak self] request in
                guard let self else { return .text("provider stopped\n", status: 503) }
                return await self.handle(request)
            })
        try state.withLock { state in
            guard !state.stopped else { throw HTTPServerError(.stopped, "the simulated provider was shut down") }
            guard state.server == nil else { throw HTTPServerError(.alreadyStarted, "start(listen:) was already called") }
            state.signingKey = signingKey
            state.server = server
        }
        let bound: SocketAddress
        do {
            bound = try server.start()
        } catch {
            state.withLock { $0.server = nil }
            throw error
        }
        let issuer = configuration.publicIssuer ?? SimulatedProvider.issuer(for: bound, scheme: server.scheme)
        state.withLock { $0.issuer = issuer }
        logger.info("sim.started", ["issuer": issuer.absoluteString, "persons": "\(configuration.persons.count)"])
        return issuer
    }

    /// The issuer once started (a placeholder `http://127.0.0.1` before).
    public var issuer: URL {
        state.withLock { $0.issuer } ?? SimulatedProvider.placeholderIssuer
    }

    /// `ISSUER/ciba/bc-authorize`.
    public var backchannelEndpoint: URL { endpointURL(Paths.backchannel) }
    /// `ISSUER/oauth2/token`.
    public var tokenEndpoint: URL { endpointURL(Paths.token) }
    /// `ISSUER/.well-known/jwks`.
    public var jwksURI: URL { endpointURL(Paths.jwks) }

    /// Everything received so far, oldest first.
    public var requests: [SimulatedRequest] { state.withLock { $0.requests } }

    /// Forgets the request log.
    public func clearRequests() { state.withLock { $0.requests.removeAll() } }

    /// The published key set (current key first, then retired keys still published).
    public var jwks: JWKSet {
        state.withLock { state in
            JWKSet(keys: (state.signingKey.map { [$0.jwk] } ?? []) + state.retiredKeys)
        }
    }

    /// The `kid` tokens are signed with now.
    public var currentKeyID: String? { state.withLock { $0.signingKey?.keyID } }

    /// Replaces the signing key with a new RS256 key (new `kid`). With `keepPrevious`
    /// the old public key stays in the JWKS (a graceful rotation); without it, tokens
    /// signed before no longer verify (and a client with a cached JWKS meets an
    /// unknown `kid` on the next token, which is what rotation tests need).
    public func rotateSigningKey(keepPrevious: Bool = false) throws {
        let fresh = try SigningKey.generateRSA()
        state.withLock { state in
            if keepPrevious, let old = state.signingKey { state.retiredKeys.insert(old.jwk, at: 0) }
            state.signingKey = fresh
        }
        logger.info("sim.key_rotated", ["kid": fresh.keyID])
    }

    /// Stops the server: closes connections and ends hanging (`.noAnswer`) requests.
    public func shutdown() async {
        let server = state.withLock { state -> HTTPServer? in
            state.stopped = true
            let server = state.server
            state.server = nil
            state.pending.removeAll()
            return server
        }
        await server?.shutdown()
    }

    // MARK: - Routing

    enum Paths {
        static let discovery = "/.well-known/openid-configuration"
        static let jwks = "/.well-known/jwks"
        static let backchannel = "/ciba/bc-authorize"
        static let token = "/oauth2/token"
    }

    func endpointURL(_ path: String) -> URL { issuer.appendingPathComponent(String(path.dropFirst())) }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let now = configuration.clock.now()
        switch request.path {
        case Paths.discovery:
            guard request.method == "GET" || request.method == "HEAD" else {
                return record(.methodNotAllowed(allowed: ["GET", "HEAD"]), SimulatedRequest(endpoint: .discovery, method: request.method, time: now, status: 405))
            }
            return record(discoveryResponse(), SimulatedRequest(endpoint: .discovery, method: request.method, time: now, status: 200))
        case Paths.jwks:
            guard request.method == "GET" || request.method == "HEAD" else {
                return record(.methodNotAllowed(allowed: ["GET", "HEAD"]), SimulatedRequest(endpoint: .jwks, method: request.method, time: now, status: 405))
            }
            return record(jwksResponse(), SimulatedRequest(endpoint: .jwks, method: request.method, time: now, status: 200))
        case Paths.backchannel:
            guard request.method == "POST" else {
                return record(.methodNotAllowed(allowed: ["POST"]), SimulatedRequest(endpoint: .backchannel, method: request.method, time: now, status: 405))
            }
            let (response, entry) = backchannelAuthentication(request, now: now)
            return record(response, entry)
        case Paths.token:
            guard request.method == "POST" else {
                return record(.methodNotAllowed(allowed: ["POST"]), SimulatedRequest(endpoint: .token, method: request.method, time: now, status: 405))
            }
            return await tokenRequest(request, now: now)
        default:
            return record(.notFound, SimulatedRequest(endpoint: .other, method: request.method, time: now, status: 404))
        }
    }

    /// Appends `entry` to the request log (with the response's status) and logs it.
    @discardableResult
    func record(_ response: HTTPResponse, _ entry: SimulatedRequest) -> HTTPResponse {
        var entry = entry
        entry.status = response.status
        appendRecord(entry)
        return response
    }

    func appendRecord(_ entry: SimulatedRequest) {
        state.withLock { $0.requests.append(entry) }
        var fields: [(String, String)] = [("endpoint", entry.endpoint.rawValue), ("status", "\(entry.status)")]
        if let error = entry.error { fields.append(("error", error)) }
        if let hint = entry.maskedHint { fields.append(("hint", hint)) }
        if let auth = entry.clientAuth { fields.append(("client_auth", auth.rawValue)) }
        if let poll = entry.poll { fields.append(("poll", "\(poll)")) }
        logger.log(.info, "sim.request", fields: fields)
    }

    static let placeholderIssuer = URL(string: "http://127.0.0.1") ?? URL(fileURLWithPath: "/")

    static func issuer(for address: SocketAddress, scheme: String = "http") -> URL {
        var host = address.host
        if host == "0.0.0.0" { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        let authority = host.contains(":") ? "[\(host)]:\(address.port)" : "\(host):\(address.port)"
        return URL(string: "\(scheme)://\(authority)") ?? placeholderIssuer
    }
}
