import Foundation
import JOSE

/// Logged-in agents: a random session id (the cookie) and a CSRF token per session.
///
/// A session ends at `lifetime` after login, after `idleTimeout` without a request, or at
/// logout. Ids are kept only as SHA-256 digests, so the table holds nothing a memory dump
/// could replay, and lookups do not compare secrets byte by byte.
public actor SessionStore {
    public struct Session: Sendable, Equatable {
        public let agent: String
        public let csrfToken: String
        public let createdAt: Date
        public var lastUsed: Date
    }

    public let lifetime: TimeInterval
    public let idleTimeout: TimeInterval
    private let now: @Sendable () -> Date
    private let maxSessions: Int
    private var sessions: [[UInt8]: Session] = [:]

    public init(lifetime: TimeInterval = 8 * 3600, idleTimeout: TimeInterval = 30 * 60, maxSessions: Int = 10_000,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.lifetime = lifetime
        self.idleTimeout = idleTimeout
        self.maxSessions = maxSessions
        self.now = now
    }

    /// A new session for `agent`: the cookie value and the CSRF token.
    public func create(agent: String) throws -> (id: String, session: Session) {
        purgeExpired()
        if sessions.count >= maxSessions, let oldest = sessions.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
            sessions[oldest] = nil
        }
        let id = Base64URL.encode(try SecureRandom.bytes(count: 32))
        let session = Session(agent: agent, csrfToken: Base64URL.encode(try SecureRandom.bytes(count: 32)),
                              createdAt: now(), lastUsed: now())
        sessions[try Digest.sha256(Array(id.utf8))] = session
        return (id, session)
    }

    /// The live session for a cookie value (and marks it used); nil when unknown or expired.
    public func session(id: String) -> Session? {
        guard id.utf8.count == 43, let key = try? Digest.sha256(Array(id.utf8)), var session = sessions[key] else { return nil }
        let time = now()
        guard time.timeIntervalSince(session.createdAt) < lifetime, time.timeIntervalSince(session.lastUsed) < idleTimeout else {
            sessions[key] = nil
            return nil
        }
        session.lastUsed = time
        sessions[key] = session
        return session
    }

    public func end(id: String) {
        guard let key = try? Digest.sha256(Array(id.utf8)) else { return }
        sessions[key] = nil
    }

    public var count: Int { sessions.count }

    private func purgeExpired() {
        let time = now()
        sessions = sessions.filter { time.timeIntervalSince($0.value.createdAt) < lifetime && time.timeIntervalSince($0.value.lastUsed) < idleTimeout }
    }
}
