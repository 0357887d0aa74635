import Foundation

/// Dispatches `ciba-agi <command> ...` and turns errors into exit codes and one stderr line.
enum CommandLineInterface {
    static let version = "0.1.0"

    static let usage = """
    ciba-agi \(version): a FastAGI server that authenticates callers with OpenID Connect CIBA
    (Swedish/Norwegian BankID, FrejaID, Authway, Transmit, any standard provider).

    usage: ciba-agi <command> [options]

    commands:
      serve            run the FastAGI server            [--config FILE]
      demo             the whole flow on this machine     [--number N] [--profile P]
      simulate-call    play Asterisk against a server     --agi URL [--dtmf DIGITS] [--hangup-after SECONDS]
      mock-provider    the simulated CIBA provider alone  [--listen ADDR]
      check-config     validate a configuration           [--config FILE]
      agent-passwd     add an agent desk login            NAME [--agents-file FILE]
      agent-token      API tokens for the agent desk      AGENT --label L | --revoke L

    ciba-agi <command> --help shows the command's options; ciba-agi --version the version.
    Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
    """

    static func run(_ arguments: [String]) async -> Int32 {
        guard let command = arguments.first else {
            printError(usage)
            return 2
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch command {
            case "--help", "-h", "help":
                print(usage)
                return 0
            case "--version", "version":
                print("ciba-agi \(version)")
                return 0
            case "serve": return try await ServeCommand.run(rest)
            case "demo": return try await DemoCommand.run(rest)
            case "simulate-call": return try await SimulateCallCommand.run(rest)
            case "mock-provider": return try await MockProviderCommand.run(rest)
            case "check-config": return try await CheckConfigCommand.run(rest)
            case "agent-passwd": return try await AgentPasswdCommand.run(rest)
            case "agent-token": return try await AgentTokenCommand.run(rest)
            default:
                printError("ciba-agi: unknown command '\(command)' (commands: serve, demo, simulate-call, mock-provider, check-config, agent-passwd, agent-token; see ciba-agi --help)")
                return 2
            }
        } catch let error as UsageError {
            printError("ciba-agi \(error.message)")
            return 2
        } catch let error as RuntimeFailure {
            printError("ciba-agi: \(error.message)")
            return 1
        } catch {
            printError("ciba-agi: \(command): \(error)")
            return 1
        }
    }
}
