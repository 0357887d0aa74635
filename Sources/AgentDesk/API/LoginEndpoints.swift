import Foundation
import HTTPServer

/// `POST /api/v1/login` and `POST /api/v1/logout`.
extension AgentDeskService {
    /// `{"name", "password"}` -> 200 `{"agent", "csrfToken"}` with the session cookie; 401 on
    /// wrong credentials (same answer for an unknown name), 429 with `Retry-After` while the
    /// name or the client address is locked out. The password is never logged; the name only
    /// when it is a valid agent name (someone may type a password into the name field).
    func login(_ request: HTTPRequest) async -> HTTPResponse {
        if let problem = RequestAuthentication.originProblem(request) {
            logger.warning("desk.forbidden", ["reason": problem, "path": "/api/v1/login", "remote": request.remoteAddress])
            return APIError.forbidden(problem)
        }
        let body: JSONBody
        switch JSONBody.parse(request, allowed: ["name", "password"], required: ["name", "password"]) {
        case .success(let parsed): body = parsed
        case .failure(let problem): return APIError.badRequest(problem.message)
        }
        let name = body.fields["name"] ?? ""
        let password = body.fields["password"] ?? ""
        let client = Self.clientAddress(request)
        let shownName = AgentsFile.isValidName(name) ? name : "(not a valid name)"
        if let wait = await throttle.retryAfter(name: name, address: client) {
            logger.warning("desk.login_locked", ["agent": shownName, "remote": client, "retryAfter": String(wait)])
            return APIError.tooManyRequests("too many failed logins; try again in \(wait) s", retryAfter: wait)
        }
        guard AgentsFile.isValidName(name), let agent = await directory.authenticate(name: name, password: password) else {
            await throttle.recordFailure(name: name, address: client)
            logger.notice("desk.login_failed", ["agent": shownName, "remote": client])
            return APIError.response(401, "invalid_credentials", "wrong name or password")
        }
        await throttle.recordSuccess(name: name, address: client)
        let created: (id: String, session: SessionStore.Session)
        do {
            created = try await sessions.create(agent: agent)
        } catch {
            logger.error("desk.session_failed", ["error": String(describing: error)])
            return APIError.response(500, "server_error", "cannot create a session")
        }
        logger.info("desk.login", ["agent": agent, "remote": client])
        var response = HTTPResponse.json(["agent": agent, "csrfToken": created.session.csrfToken])
        response.setHeader("Set-Cookie", DeskCookie.set(created.id, maxAge: Int(sessions.lifetime), secure: tls))
        return response
    }

    func logout(_ request: HTTPRequest, agent: String) async -> HTTPResponse {
        if let id = DeskCookie.value(in: request, secure: tls) { await sessions.end(id: id) }
        logger.info("desk.logout", ["agent": agent])
        var response = HTTPResponse.noContent
        response.setHeader("Set-Cookie", DeskCookie.clear(secure: tls))
        return response
    }

    /// The client for rate limiting: the peer, or, when the peer is a reverse proxy on
    /// loopback, the last `X-Forwarded-For` entry (the one the proxy appended; see the
    /// nginx sample, which overwrites the header with `$remote_addr`).
    static func clientAddress(_ request: HTTPRequest) -> String {
        let peer = request.remoteAddress
        let isLoopbackPeer = peer.hasPrefix("127.") || peer.hasPrefix("[::1]")
        if isLoopbackPeer, let forwarded = request.headerValues("X-Forwarded-For").last,
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty, last.count <= 64 {
            return last
        }
        return peer
    }
}
