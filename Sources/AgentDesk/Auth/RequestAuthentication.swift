import Foundation
import HTTPServer

/// Who sent a request, and whether it may change state.
///
/// Two ways in: the session cookie of a logged-in agent, or `Authorization: Bearer` with an
/// API token. A cookie is sent by the browser on its own, so a state-changing request with
/// it must also carry the session's CSRF token in `X-CSRF-Token` (compared in constant
/// time) and, when the browser sends `Origin`, come from this desk's own origin. A bearer
/// token is never sent implicitly, so it needs neither.
struct RequestAuthentication: Sendable {
    let directory: AgentDirectory
    let sessions: SessionStore
    let secureCookies: Bool

    enum Outcome: Sendable {
        case agent(name: String, via: Via)
        /// 401: no credentials, or wrong/expired ones.
        case unauthenticated(reason: String)
        /// 403: logged in, but the CSRF token or the origin is wrong.
        case forbidden(reason: String)
    }

    enum Via: Sendable, Equatable {
        case session(csrfToken: String)
        case token(label: String)
    }

    static func isStateChanging(_ method: String) -> Bool { !["GET", "HEAD", "OPTIONS"].contains(method) }

    func authenticate(_ request: HTTPRequest) async -> Outcome {
        if let authorization = request.header("Authorization") {
            guard authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else {
                return .unauthenticated(reason: "unsupported Authorization scheme")
            }
            let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard let found = await directory.agent(forToken: token) else { return .unauthenticated(reason: "unknown or revoked token") }
            return .agent(name: found.agent, via: .token(label: found.label))
        }
        guard let id = DeskCookie.value(in: request, secure: secureCookies) else {
            return .unauthenticated(reason: "no session")
        }
        guard let session = await sessions.session(id: id) else { return .unauthenticated(reason: "expired or unknown session") }
        guard await directory.exists(session.agent) else {
            await sessions.end(id: id)
            return .unauthenticated(reason: "agent removed")
        }
        if Self.isStateChanging(request.method) {
            if let problem = Self.originProblem(request) { return .forbidden(reason: problem) }
            guard let sent = request.header("X-CSRF-Token"), ConstantTime.equal(sent, session.csrfToken) else {
                return .forbidden(reason: "missing or wrong CSRF token")
            }
        }
        return .agent(name: session.agent, via: .session(csrfToken: session.csrfToken))
    }

    /// A browser's `Origin` must name this host (what the client asked for in `Host`).
    /// Absent `Origin` passes (the CSRF token still has to match).
    static func originProblem(_ request: HTTPRequest) -> String? {
        guard let origin = request.header("Origin") else { return nil }
        guard let host = request.header("Host"), !host.isEmpty else { return "Origin without Host" }
        guard let components = URLComponents(string: origin), let scheme = components.scheme, ["http", "https"].contains(scheme),
              let originHost = components.host else { return "Origin \"\(origin.prefix(80))\" is not an http(s) origin" }
        let bracketed = originHost.contains(":") && !originHost.hasPrefix("[") ? "[\(originHost)]" : originHost
        let originAuthority = components.port.map { "\(bracketed):\($0)" } ?? bracketed
        let expected = host.lowercased()
        let defaultPort = scheme == "https" ? ":443" : ":80"
        if originAuthority.lowercased() == expected || originAuthority.lowercased() + defaultPort == expected { return nil }
        return "cross-origin request from \(origin.prefix(80))"
    }
}
