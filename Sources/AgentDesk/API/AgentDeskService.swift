import CallerAuth
import Foundation
import HTTPServer
import IdentityNumbers
import StructuredLogging

/// The agent desk's request handler: the page, login, and the verification API on the
/// shared ``VerificationEngine`` (so rate limits, privacy and the store are the IVR's).
///
/// Every answer carries ``SecurityHeaders``. Everything under `/api/v1/` except `login`
/// needs an agent (session cookie or bearer token); state changes with a cookie also need
/// the CSRF token (``RequestAuthentication``).
public final class AgentDeskService: Sendable {
    let engine: VerificationEngine
    let profiles: [String: Profile]
    let audit: any AuditSink
    let directory: AgentDirectory
    let sessions: SessionStore
    let throttle: LoginThrottle
    let events: DeskEventHub
    let page: AgentPage
    let tls: Bool
    let logger: Logger
    let authentication: RequestAuthentication
    let auditTasks = AuditTasks()
    let now: @Sendable () -> Date

    public init(engine: VerificationEngine, profiles: [String: Profile], audit: any AuditSink, directory: AgentDirectory,
                page: AgentPage, tls: Bool, logger: Logger, sessions: SessionStore = SessionStore(),
                throttle: LoginThrottle = LoginThrottle(), events: DeskEventHub? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.engine = engine
        self.profiles = profiles
        self.audit = audit
        self.directory = directory
        self.page = page
        self.tls = tls
        self.logger = logger
        self.sessions = sessions
        self.throttle = throttle
        self.events = events ?? DeskEventHub(store: engine.store, logger: logger)
        self.now = now
        authentication = RequestAuthentication(directory: directory, sessions: sessions, secureCookies: tls)
    }

    /// The HTTP server handler.
    public var handler: HTTPHandler { { [self] request in await handle(request) } }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        var response = await route(request)
        SecurityHeaders.apply(to: &response, tls: tls, cacheable: response.bodyStream == nil && !request.path.hasPrefix("/api/v1/"))
        return response
    }

    /// Ends the event streams and waits for the audit writers of running agent verifications.
    public func shutdown() async {
        await events.shutdown()
        await auditTasks.cancelAll()
    }

    // MARK: - Routing

    private func route(_ request: HTTPRequest) async -> HTTPResponse {
        let path = request.path
        if !path.hasPrefix("/api/v1/") {
            guard let file = page.response(path: path) else { return APIError.notFound }
            guard request.method == "GET" || request.method == "HEAD" else { return APIError.methodNotAllowed(["GET", "HEAD"]) }
            return file
        }
        let parts = path.dropFirst("/api/v1/".count).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts == ["login"] {
            guard request.method == "POST" else { return APIError.methodNotAllowed(["POST"]) }
            return await login(request)
        }
        let known: [String]? = switch parts.count {
        case 1 where ["logout"].contains(parts[0]): ["POST"]
        case 1 where ["session", "events"].contains(parts[0]): ["GET"]
        case 1 where parts[0] == "verifications": ["GET", "POST"]
        case 2 where parts[0] == "verifications": ["GET", "DELETE"]
        case 3 where parts[0] == "calls" && parts[2] == "verification": ["GET"]
        default: nil
        }
        guard let allowed = known else { return APIError.notFound }
        let method = request.method == "HEAD" ? "GET" : request.method
        guard allowed.contains(method) else { return APIError.methodNotAllowed(allowed + (allowed.contains("GET") ? ["HEAD"] : [])) }

        let agent: String
        let via: RequestAuthentication.Via
        switch await authentication.authenticate(request) {
        case .agent(let name, let how):
            agent = name
            via = how
        case .unauthenticated(let reason):
            logger.notice("desk.auth_failed", ["reason": reason, "method": request.method, "path": Self.loggablePath(path),
                                                "remote": request.remoteAddress])
            return APIError.unauthorized
        case .forbidden(let reason):
            logger.warning("desk.forbidden", ["reason": reason, "method": request.method, "path": Self.loggablePath(path),
                                               "remote": request.remoteAddress])
            return APIError.forbidden(reason)
        }

        switch (method, parts.count, parts[0]) {
        case ("POST", 1, "logout"): return await logout(request, agent: agent)
        case ("GET", 1, "session"): return sessionInfo(agent: agent, via: via)
        case ("GET", 1, "events"): return await eventStream(agent: agent)
        case ("GET", 1, "verifications"): return await recent(request)
        case ("POST", 1, "verifications"): return await startVerification(request, agent: agent)
        case ("GET", 2, _): return await verification(txn: parts[1])
        case ("DELETE", 2, _): return await cancel(txn: parts[1], agent: agent)
        case ("GET", 3, _): return await callVerification(callID: parts[1])
        default: return APIError.notFound
        }
    }

    /// The path for a log line: call ids and txns are not personal, but keep lines short.
    static func loggablePath(_ path: String) -> String { String(path.prefix(120)) }

    // MARK: - Session

    private func sessionInfo(agent: String, via: RequestAuthentication.Via) -> HTTPResponse {
        struct ProfileView: Encodable {
            var name: String
            var numberKind: String
        }
        struct SessionView: Encodable {
            var agent: String
            var csrfToken: String?
            var profiles: [ProfileView]
        }
        let usable = profiles.values.filter { $0.numberKind != nil && $0.loginHintSource == .number }.sorted { $0.name < $1.name }
        let csrf: String? = if case .session(let token) = via { token } else { nil }
        return .json(SessionView(agent: agent, csrfToken: csrf,
                                 profiles: usable.map { ProfileView(name: $0.name, numberKind: $0.numberKind?.rawValue ?? "") }))
    }

    private func eventStream(agent: String) async -> HTTPResponse {
        guard let stream = await events.subscribe() else {
            return APIError.response(503, "unavailable", "too many event streams, or the desk is stopping")
        }
        logger.info("desk.events_connected", ["agent": agent])
        return .eventStream(stream)
    }
}

/// The audit writers of agent-started verifications (each waits for its final state).
actor AuditTasks {
    private var tasks: [String: Task<Void, Never>] = [:]

    func add(_ txn: String, _ task: Task<Void, Never>) { tasks[txn] = task }
    func done(_ txn: String) { tasks[txn] = nil }
    /// Returns once the audit record of `txn` is written (at once when it already is).
    func wait(txn: String) async { await tasks[txn]?.value }
    func cancelAll() async {
        let running = Array(tasks.values)
        tasks.removeAll()
        for task in running { task.cancel() }
        for task in running { await task.value }
    }
}
