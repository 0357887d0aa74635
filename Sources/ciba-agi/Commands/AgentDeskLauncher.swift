import AgentDesk
import CallerAuth
import StructuredLogging

/// Starts the agent desk for `serve` when `agentListen` is set, on the server's engine.
enum AgentDeskLauncher {
    static func start(configuration: Configuration, server: CallerAuthServer, logger: Logger) async throws -> AgentDeskServer? {
        guard let settings = configuration.agentDesk else { return nil }
        let desk = try AgentDeskServer(settings: settings, engine: server.service.engine, profiles: configuration.profiles,
                                       audit: server.service.audit, logger: logger)
        try await ListenerStartError.naming("agentListen", [settings.listen]) { try await desk.start() }
        return desk
    }
}
