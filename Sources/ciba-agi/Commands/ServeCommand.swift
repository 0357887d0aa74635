import Foundation
import AgentDesk
import CallerAuth
import CIBA
import Sockets
import StructuredLogging

/// `ciba-agi serve [--config FILE]`: the FastAGI server until SIGTERM/SIGINT, then drain and exit 0.
enum ServeCommand {
    static let help = """
    usage: ciba-agi serve [--config FILE]

    Runs the FastAGI server (caller-auth) and the ops endpoint (/healthz, /metrics).
    Without --config: ./ciba-agi.json if it exists, else /etc/ciba-agi/ciba-agi.json.
    Environment: CIBA_AGI_CLIENT_SECRET, CIBA_AGI_CLIENT_ID, CIBA_AGI_ISSUER, CIBA_AGI_LISTEN
    override the file. SIGTERM/SIGINT: stop accepting, let calls finish (drainTimeoutSeconds), exit 0.
    SIGHUP: reload profiles, rate limits and the log level (listen addresses, the provider and
    the other keys need a restart; an invalid file is refused and the old configuration kept).
    """

    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try ParsedArguments.parse(arguments, command: "serve", valueOptions: ["config"])
        if options.wantsHelp { print(help); return 0 }
        let path = options.values["config"] ?? ConfigurationLoader.defaultPath()
        guard let configuration = ConfigFile.load(path) else { return 2 }

        // The level lives in a switch, so SIGHUP can change it for loggers already handed out.
        let logLevel = LogLevelSwitch(configuration.logLevel)
        let logger = Logger(handler: ThresholdLogHandler(StderrLogHandler(), threshold: logLevel), level: .trace)
            .with("component", "ciba-agi")
        if let auditLog = configuration.auditLog, !AuditLogFile(path: auditLog).checkWritable() {
            printError("ciba-agi: config: auditLog: cannot open \(auditLog) for appending")
            return 2
        }
        logger.info("server.http_client", ["library": CurlTransport.libraryVersion,
                                            "transport": configuration.provider.settings.transport.description])
        let openFiles = ResourceLimits.raiseOpenFileLimit()
        logger.info("server.open_file_limit", ["limit": String(openFiles)])
        let signals = SignalStream()
        let server: CallerAuthServer
        do {
            server = try CallerAuthServer(configuration: configuration, logger: logger, logLevelSwitch: logLevel)
            try server.start()
        } catch {
            printError("ciba-agi: serve: cannot start: \(error)")
            return 1
        }
        let desk: AgentDeskServer?
        do {
            desk = try await AgentDeskLauncher.start(configuration: configuration, server: server, logger: logger)
        } catch {
            await server.shutdown(drainTimeout: .zero)
            printError("ciba-agi: serve: cannot start: \(error)")
            return 1
        }
        var received = SIGTERM
        for await signal in signals.signals {
            if signal == SIGHUP {
                logger.notice("server.signal", ["signal": "SIGHUP", "config": path])
                await server.reload(path: path)
                continue
            }
            received = signal
            break
        }
        signals.cancel()
        logger.notice("server.signal", ["signal": received == SIGTERM ? "SIGTERM" : "SIGINT",
                                         "sessions": String(server.activeSessions)])
        await desk?.shutdown()
        await server.shutdown(drainTimeout: .seconds(configuration.drainTimeoutSeconds))
        logger.notice("server.exit")
        return 0
    }
}

/// Loading a configuration file for a command: problems go to stderr, one line each.
enum ConfigFile {
    static func load(_ path: String) -> Configuration? {
        do {
            return try ConfigurationLoader.load(path: path)
        } catch let error as ConfigurationError {
            for problem in error.problems { printError("ciba-agi: config \(path): \(problem)") }
            return nil
        } catch {
            printError("ciba-agi: config \(path): \(error)")
            return nil
        }
    }
}
