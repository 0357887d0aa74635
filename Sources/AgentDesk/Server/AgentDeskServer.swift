import CallerAuth
import Foundation
import HTTPServer
import Sockets
import StructuredLogging
import TLS

/// The agent desk on `agentListen`: the page, login and the API over one HTTP listener,
/// wired to the IVR's verification engine, plus the event stream's heartbeat.
///
/// Never open: ``AgentDeskSettings`` only exists with TLS files or a loopback address
/// (the loader refuses anything else), and every API route needs an agent. With
/// `agentTLSCertificateFile` / `agentTLSKeyFile` the listener serves https only (a plain
/// request on that port gets no answer) and the session cookie is `__Host-` + `Secure`.
public final class AgentDeskServer: Sendable {
    public let service: AgentDeskService
    private let server: HTTPServer
    private let heartbeatInterval: Duration
    private let heartbeat = HeartbeatTask()
    private let logger: Logger

    /// - Throws: ``AgentsFileError`` (agents file), ``AgentPageError`` (page files),
    ///   ``AgentDeskSetupError`` (TLS files: unreadable, not PEM, key not matching the certificate).
    public init(settings: AgentDeskSettings, engine: VerificationEngine, profiles: [String: Profile], audit: any AuditSink,
                logger: Logger, heartbeatInterval: Duration = .seconds(15), limits: HTTPServerLimits = HTTPServerLimits()) throws {
        let log = logger.with("component", "agent-desk")
        self.logger = log
        let directory = try AgentDirectory(path: settings.agentsFile, logger: log)
        let page = try AgentPage.locate(configured: settings.pageDirectory)
        let tls = try Self.tlsContext(settings)
        let sessions = SessionStore(lifetime: TimeInterval(settings.sessionHours * 3600), idleTimeout: TimeInterval(settings.idleMinutes * 60))
        service = AgentDeskService(engine: engine, profiles: profiles, audit: audit, directory: directory, page: page,
                                   tls: settings.servesTLS, logger: log, sessions: sessions)
        self.heartbeatInterval = heartbeatInterval
        var deskLimits = limits
        deskLimits.maxBodyBytes = min(limits.maxBodyBytes, 16 * 1024)
        server = HTTPServer(listen: settings.listen, limits: deskLimits, tls: tls, logger: log, handler: service.handler)
    }

    /// The certificate and key of `agentTLSCertificateFile` / `agentTLSKeyFile`, loaded once at
    /// start-up so a bad file stops the desk with its name instead of failing every browser.
    static func tlsContext(_ settings: AgentDeskSettings) throws -> TLSServerContext? {
        guard settings.servesTLS else { return nil }
        guard let certificate = settings.tlsCertificateFile, let key = settings.tlsKeyFile else {
            throw AgentDeskSetupError("agentTLSKeyFile: missing: agentTLSCertificateFile needs its key")
        }
        do {
            return try TLSServerContext(TLSServerConfiguration(certificateChainFile: certificate, privateKeyFile: key))
        } catch let error as TLSError {
            throw AgentDeskSetupError("agentTLSCertificateFile/agentTLSKeyFile: \(error.reason)")
        }
    }

    /// Binds, subscribes to the verification events and starts the heartbeat. Returns the bound address.
    @discardableResult
    public func start() async throws -> SocketAddress {
        await service.events.start()
        let address = try server.start()
        let events = service.events
        let interval = heartbeatInterval
        await heartbeat.start {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                await events.heartbeat()
            }
        }
        logger.notice("desk.started", ["address": address.description, "scheme": server.scheme, "page": service.page.directory])
        return address
    }

    public var localAddress: SocketAddress? { server.localAddress }

    /// Ends the event streams (clients see `event: shutdown`), then stops the listener.
    public func shutdown() async {
        await heartbeat.stop()
        await service.shutdown()
        await server.shutdown()
    }
}

/// The heartbeat's task, started and stopped once.
actor HeartbeatTask {
    private var task: Task<Void, Never>?

    func start(_ body: @escaping @Sendable () async -> Void) {
        guard task == nil else { return }
        task = Task { await body() }
    }

    func stop() async {
        task?.cancel()
        await task?.value
        task = nil
    }
}

/// The desk cannot start as configured.
public struct AgentDeskSetupError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
