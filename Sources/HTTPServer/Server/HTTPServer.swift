import Foundation
import Sockets
import StructuredLogging
import Synchronization
import TLS

/// A small HTTP/1.1 server for the ops endpoint and the simulated CIBA provider.
///
/// One task per connection (this is not the hot path). Requests are parsed strictly
/// (see `HTTPServerLimits` for sizes and timeouts), bodies must use `Content-Length`
/// (chunked request bodies get 501), responses always carry `Content-Length` and `Date`.
/// `HEAD` requests reach the handler as `HEAD`; the server sends the headers the handler
/// produced (with the body's length) and no body. Routing, 404 and 405 are the
/// handler's job (`HTTPRouter` does it for fixed paths).
///
/// With a `TLSServerContext` every connection is TLS: the handshake runs in the connection's
/// own task, bounded by `HTTPServerLimits.handshakeTimeout` (a silent client cannot hold an
/// accept slot), and a failed handshake is logged at debug with its reason (never key bytes)
/// and closes only that connection. Handlers see the client certificate in `request.tls`.
///
/// ```swift
/// let server = HTTPServer(listen: try .parse("127.0.0.1:0"), logger: log) { request in
///     request.path == "/healthz" ? .text("ok") : .notFound
/// }
/// let address = try server.start()
/// ...
/// await server.shutdown()
/// ```
public final class HTTPServer: Sendable {
    private let listenAddress: SocketAddress
    private let limits: HTTPServerLimits
    private let logger: Logger
    private let handler: HTTPHandler
    private let tls: TLSServerContext?
    private let state = Mutex(State())

    private struct State: Sendable {
        var listener: TCPListener?
        var boundAddress: SocketAddress?
        var acceptTask: Task<Void, Never>?
        var connections: [UInt64: TCPConnection] = [:]
        var tasks: [UInt64: Task<Void, Never>] = [:]
        var nextID: UInt64 = 0
        var started = false
        var stopped = false
    }

    /// `tls`: serve https with this context (certificate, key, client-certificate policy);
    /// nil serves plain HTTP.
    public init(
        listen: SocketAddress, limits: HTTPServerLimits = HTTPServerLimits(), tls: TLSServerContext? = nil, logger: Logger,
        handler: @escaping HTTPHandler
    ) {
        self.listenAddress = listen
        self.limits = limits
        self.tls = tls
        self.logger = logger
        self.handler = handler
    }

    /// Binds and starts accepting. Returns the bound address (the real port when asked
    /// for port 0). Throws `SocketError` when binding fails, `HTTPServerError` when
    /// called twice or after `shutdown()`.
    @discardableResult
    public func start() throws -> SocketAddress {
        try state.withLock { state in
            guard !state.stopped else { throw HTTPServerError(.stopped, "the server was shut down") }
            guard !state.started else { throw HTTPServerError(.alreadyStarted, "start() was already called") }
            state.started = true
        }
        let listener: TCPListener
        do {
            listener = try TCPListener.listen(on: listenAddress, backlog: 512)
        } catch {
            state.withLock { $0.started = false }  // binding failed: start() may be tried again
            throw error
        }
        let bound = listener.localAddress
        let task = Task { [self] in await acceptLoop(listener) }
        state.withLock { state in
            state.listener = listener
            state.boundAddress = bound
            state.acceptTask = task
        }
        logger.info("http.listening", ["address": bound.description, "scheme": scheme])
        return bound
    }

    /// `https` with a TLS context, else `http`.
    public var scheme: String { tls == nil ? "http" : "https" }

    /// The bound address once started.
    public var localAddress: SocketAddress? { state.withLock { $0.boundAddress } }

    /// Connections currently open.
    public var openConnections: Int { state.withLock { $0.connections.count } }

    /// Stops accepting, closes every open connection, cancels in-flight handlers and
    /// waits (at most 5 s) for their tasks to end. Idempotent.
    public func shutdown() async {
        let (listener, acceptTask, connections, tasks) = state.withLock { state in
            state.stopped = true
            let taken = (state.listener, state.acceptTask, Array(state.connections.values), Array(state.tasks.values))
            state.listener = nil
            state.acceptTask = nil
            return taken
        }
        listener?.close()
        acceptTask?.cancel()
        for connection in connections { connection.close() }
        for task in tasks { task.cancel() }
        // Wait for the tasks, but never longer than 5 s: a handler that ignores
        // cancellation must not hang shutdown. (A task group would wait for its
        // children anyway, so the race is done with a continuation resumed once.)
        let once = OnceFlag()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            @Sendable func finish() {
                if once.claim() { continuation.resume() }
            }
            let timeout = Task {
                try? await Task.sleep(for: .seconds(5))
                finish()
            }
            Task {
                await acceptTask?.value
                for task in tasks { await task.value }
                timeout.cancel()
                finish()
            }
        }
        if listener != nil { logger.info("http.stopped", [:]) }
    }

    // MARK: - Accepting

    private func acceptLoop(_ listener: TCPListener) async {
        while !Task.isCancelled {
            let connection: TCPConnection
            do {
                connection = try await listener.accept()
            } catch {
                if state.withLock({ $0.stopped }) || Task.isCancelled { return }
                if let socketError = error as? SocketError, socketError.kind == .closed { return }
                // Not EMFILE and friends: the listener pauses for those and this accept just waits
                // (FileDescriptorExhaustionTests). Any other accept error: back off briefly, no spin.
                logger.warning("http.accept_failed", ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(50))
                continue
            }
            serve(connection)
        }
    }

    private func serve(_ connection: TCPConnection) {
        let id: UInt64? = state.withLock { state in
            guard !state.stopped, state.connections.count < limits.maxConnections else { return nil }
            state.nextID += 1
            state.connections[state.nextID] = connection
            return state.nextID
        }
        guard let id else {
            connection.close()
            return
        }
        let task = Task { [self] in
            await serveConnection(connection)
            state.withLock { state in
                state.connections[id] = nil
                state.tasks[id] = nil
            }
        }
        let cancelNow = state.withLock { state -> Bool in
            guard state.connections[id] != nil else { return false }  // already finished
            state.tasks[id] = task
            return state.stopped
        }
        if cancelNow { task.cancel() }
    }
}

extension HTTPServer {
    /// Runs the TLS handshake when configured, then the request loop.
    fileprivate func serveConnection(_ connection: TCPConnection) async {
        let remote = connection.peerAddress.description
        let stream: any ByteStream
        var facts: HTTPRequestTLS?
        if let tls {
            do {
                let secured = try await TLSConnection.accept(connection, context: tls, timeout: limits.handshakeTimeout)
                stream = secured
                facts = HTTPRequestTLS(secured)
            } catch {
                logger.debug("http.tls_handshake_failed", ["remote": remote, "reason": "\(error)"])
                connection.close()
                return
            }
        } else {
            stream = connection
        }
        let worker = HTTPConnectionHandler(
            connection: stream, limits: limits, handler: handler, logger: logger, remoteAddress: remote, tls: facts)
        await worker.run()
    }
}

/// True for exactly one caller of `claim()`.
final class OnceFlag: Sendable {
    private let claimed = Mutex(false)

    var isClaimed: Bool { claimed.withLock { $0 } }

    func claim() -> Bool {
        claimed.withLock { done in
            defer { done = true }
            return !done
        }
    }
}

/// Errors of the server's own life cycle (socket errors are `SocketError`).
public struct HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    public let kind: Kind
    public let reason: String

    public struct Kind: Sendable, Hashable {
        let name: String
        public static let alreadyStarted = Kind(name: "alreadyStarted")
        public static let stopped = Kind(name: "stopped")
    }

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "HTTPServerError.\(kind.name): \(reason)" }
}
