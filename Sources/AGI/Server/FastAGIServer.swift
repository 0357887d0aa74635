import Sockets
import StructuredLogging
import Synchronization

/// A FastAGI server: accepts Asterisk's connections and runs one `AGISession` per call.
///
/// Accepting happens on the socket loop thread (push mode, no task hop): the peer is checked
/// against `allowedClients` and the session cap *before any byte is read*; refused connections
/// are closed at once with one log line. Each admitted call gets one lightweight task running
/// `AGISession.run`, which reads in push mode, so a held call costs no thread and no blocked
/// task. A failing session only ends itself: sessions share nothing but the counters here.
///
/// Log events: `agi.server.listening`, `agi.client.refused` (reason `not_allowed`),
/// `agi.session.refused` (reason `max_sessions` or `shutting_down`), `agi.server.draining`,
/// `agi.server.force_close`, `agi.server.stopped`. Session lines carry `session=<id>`
/// (and `uniqueid` once the environment is in, added by `AGISession`).
public final class FastAGIServer: Sendable {
    public let configuration: FastAGIServerConfiguration
    private let router: AGIRouter
    private let logger: Logger
    private let idPrefix: String
    private let state = Mutex(State())

    private enum RefusalReason: String, Error {
        case maxSessions = "max_sessions"
        case shuttingDown = "shutting_down"
    }

    private enum IdleWaiter {
        case waiting(CheckedContinuation<Void, Never>?)
        case expired
    }

    private struct State {
        var listeners: [TCPListener] = []
        var accepting = false
        var started = false
        var nextSession: UInt64 = 0
        var sessions: [UInt64: TCPConnection] = [:]
        var idleWaiters: [UInt64: IdleWaiter] = [:]
        var nextWaiter: UInt64 = 0
    }

    public init(configuration: FastAGIServerConfiguration, router: AGIRouter, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        // A short random prefix keeps session ids unique across restarts in one log file.
        self.idPrefix = String(UInt32.random(in: 0x1000...0xFFFF), radix: 16)
    }

    /// Binds every listen address and starts accepting. Returns the bound addresses (the real
    /// port for port 0), in configuration order. If one address fails, none stays open.
    public func start() throws -> [SocketAddress] {
        let alreadyStarted = state.withLock { s -> Bool in
            defer { s.started = true }
            return s.started
        }
        if alreadyStarted { throw SocketError(.system, "FastAGIServer.start() called twice") }
        var listeners: [TCPListener] = []
        do {
            for address in configuration.listen {
                listeners.append(try TCPListener.listen(on: address, backlog: configuration.backlog, logger: logger))
            }
        } catch {
            for listener in listeners { listener.close() }
            logger.error("agi.server.listen_failed", ["error": "\(error)"])
            throw error
        }
        state.withLock { s in
            s.listeners = listeners
            s.accepting = true
        }
        for listener in listeners {
            logger.info("agi.server.listening", [
                "listen": listener.localAddress.description, "allowed": configuration.allowedClients.description,
                "max_sessions": String(configuration.maxSessions),
            ])
            listener.startAccepting { [weak self] connection in
                guard let self else { connection.close(); return }
                self.admit(connection)
            }
        }
        return listeners.map(\.localAddress)
    }

    /// Sessions running now.
    public var activeSessions: Int { state.withLock { $0.sessions.count } }

    /// The bound listen addresses (empty before `start()` and after `shutdown`).
    public var listenAddresses: [SocketAddress] { state.withLock { $0.listeners.map(\.localAddress) } }

    /// Runs on the loop thread for every accepted connection: check, then hand to a task.
    private func admit(_ connection: TCPConnection) {
        let peer = connection.peerAddress
        // Log before closing, so the line exists by the time the peer sees the close.
        guard configuration.allowedClients.permits(peer) else {
            logger.warning("agi.client.refused", ["peer": peer.description, "reason": "not_allowed"])
            connection.close()
            return
        }
        let admitted: Result<UInt64, RefusalReason> = state.withLock { s in
            guard s.accepting else { return .failure(.shuttingDown) }
            guard s.sessions.count < configuration.maxSessions else { return .failure(.maxSessions) }
            s.nextSession &+= 1
            s.sessions[s.nextSession] = connection
            return .success(s.nextSession)
        }
        let id: UInt64
        switch admitted {
        case let .success(value):
            id = value
        case let .failure(reason):
            logger.warning("agi.session.refused", [
                "peer": peer.description, "reason": reason.rawValue, "max_sessions": String(configuration.maxSessions),
            ])
            connection.close()
            return
        }
        let sessionID = "\(idPrefix)-\(id)"
        let router = self.router
        let limits = configuration.limits
        let logger = self.logger
        let executor: (any TaskExecutor)? = configuration.runSessionsOnSocketLoop ? SocketLoopExecutor.shared : nil
        Task(executorPreference: executor) {
            await AGISession.run(transport: connection, router: router, limits: limits, logger: logger, sessionID: sessionID)
            connection.close()  // AGISession always closes; this guards the server's own bookkeeping
            self.sessionEnded(id)
        }
    }

    private func sessionEnded(_ id: UInt64) {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { s in
            s.sessions.removeValue(forKey: id)
            guard s.sessions.isEmpty, !s.idleWaiters.isEmpty else { return [] }
            var ready: [CheckedContinuation<Void, Never>] = []
            for (key, waiter) in s.idleWaiters {
                if case let .waiting(continuation?) = waiter {
                    ready.append(continuation)
                    s.idleWaiters.removeValue(forKey: key)
                }
            }
            return ready
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Stops accepting, lets running sessions finish for up to `drainTimeout`, then closes the
    /// connections of the rest (their handlers are cancelled as on a hang-up) and waits for them
    /// to end (at most 10 more seconds, for handlers that ignore cancellation). Idempotent.
    public func shutdown(drainTimeout: Duration) async {
        let (listeners, running) = state.withLock { s -> ([TCPListener], Int) in
            s.accepting = false
            defer { s.listeners = [] }
            return (s.listeners, s.sessions.count)
        }
        for listener in listeners { listener.close() }
        logger.info("agi.server.draining", ["sessions": String(running), "timeout_ms": String(Self.milliseconds(drainTimeout))])
        if await !waitUntilIdle(timeout: drainTimeout) {
            let leftovers = state.withLock { Array($0.sessions.values) }
            logger.warning("agi.server.force_close", ["sessions": String(leftovers.count)])
            for connection in leftovers { connection.close() }
            if await !waitUntilIdle(timeout: .seconds(10)) {
                logger.error("agi.server.sessions_stuck", ["sessions": String(activeSessions)])
            }
        }
        logger.info("agi.server.stopped")
    }

    /// True when no session runs (now or before `timeout`).
    private func waitUntilIdle(timeout: Duration) async -> Bool {
        let id: UInt64? = state.withLock { s in
            if s.sessions.isEmpty { return nil }
            s.nextWaiter &+= 1
            s.idleWaiters[s.nextWaiter] = .waiting(nil)
            return s.nextWaiter
        }
        guard let id else { return true }
        let timer = ScheduledTimer.schedule(after: timeout) { [weak self] in
            let waiter: CheckedContinuation<Void, Never>? = self?.state.withLock { s in
                guard case let .waiting(continuation)? = s.idleWaiters[id] else { return nil }
                if let continuation {
                    s.idleWaiters.removeValue(forKey: id)
                    return continuation
                }
                s.idleWaiters[id] = .expired  // fired before the continuation was stored
                return nil
            }
            waiter?.resume()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                guard case .waiting? = s.idleWaiters[id], !s.sessions.isEmpty else {
                    s.idleWaiters.removeValue(forKey: id)
                    return true
                }
                s.idleWaiters[id] = .waiting(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
        return state.withLock { $0.sessions.isEmpty }
    }

    private static func milliseconds(_ d: Duration) -> Int64 {
        let (s, a) = d.components
        return s * 1000 + a / 1_000_000_000_000_000
    }
}
