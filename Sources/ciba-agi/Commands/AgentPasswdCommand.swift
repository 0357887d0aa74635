import AgentDesk
import Foundation

/// `ciba-agi agent-passwd NAME [--agents-file F]`: adds an agent or replaces its password.
/// The password never comes from the command line (it would be in `ps` and shell history):
/// from the terminal without echo, typed twice, or as the first line of standard input.
enum AgentPasswdCommand {
    static let help = """
    usage: ciba-agi agent-passwd NAME [--agents-file FILE] [--delete]

    Writes (adds or replaces) the agent NAME in the agents file (default
    /etc/ciba-agi/agents), hashing the password with PBKDF2-HMAC-SHA256, 600,000 iterations
    and a random salt. On a terminal the password is asked twice without echo; otherwise the
    first line of standard input is the password (for scripts: printf '%s\\n' "$PW" | ...).
    At least 10 characters. --delete removes the agent and its API tokens instead.
    The running server picks up the change on the next request.
    """
    static let defaultAgentsFile = "/etc/ciba-agi/agents"

    static func run(_ arguments: [String]) async throws -> Int32 {
        guard let name = arguments.first, !name.hasPrefix("-") else {
            if arguments.contains("--help") || arguments.contains("-h") { print(help); return 0 }
            throw UsageError("agent-passwd: NAME is required (see ciba-agi agent-passwd --help)")
        }
        let options = try ParsedArguments.parse(Array(arguments.dropFirst()), command: "agent-passwd",
                                                valueOptions: ["agents-file"], flagOptions: ["delete"])
        if options.wantsHelp { print(help); return 0 }
        guard AgentsFile.isValidName(name) else {
            throw UsageError("agent-passwd: NAME must be 1 to 64 of A-Z a-z 0-9 . _ @ -")
        }
        let path = options.values["agents-file"] ?? defaultAgentsFile
        var file: AgentsFile
        do { file = try AgentsFile.read(path: path, missingIsEmpty: true) } catch { throw RuntimeFailure("agent-passwd: \(error)") }
        if options.flags.contains("delete") {
            guard file.agents.removeValue(forKey: name) != nil else { throw RuntimeFailure("agent-passwd: no agent \(name) in \(path)") }
            file.tokens.removeAll { $0.agent == name }
            do { try file.write(path: path) } catch { throw RuntimeFailure("agent-passwd: \(error)") }
            print("agent \(name) removed from \(path)")
            return 0
        }
        let password = try PasswordInput.read(prompt: "Password for \(name): ")
        guard password.count >= 10 else { throw UsageError("agent-passwd: the password must have at least 10 characters") }
        let replaced = file.agents[name] != nil
        do {
            file.agents[name] = try PasswordHash.make(password: password)
            try file.write(path: path)
        } catch {
            throw RuntimeFailure("agent-passwd: \(error)")
        }
        print("agent \(name) \(replaced ? "updated" : "added") in \(path)")
        return 0
    }
}

/// `ciba-agi agent-token NAME --label L [--agents-file F]` / `--revoke L`: API tokens.
enum AgentTokenCommand {
    static let help = """
    usage: ciba-agi agent-token AGENT --label LABEL [--agents-file FILE]
           ciba-agi agent-token --revoke LABEL [--agents-file FILE]
           ciba-agi agent-token --list [--agents-file FILE]

    Makes an API token for a CRM integration that acts as AGENT (the audit record's
    initiator), prints it once, and stores only its SHA-256. Send it as
    Authorization: Bearer TOKEN. --revoke removes it (effective on the next request).
    """

    static func run(_ arguments: [String]) async throws -> Int32 {
        var rest = arguments
        var agent: String?
        if let first = rest.first, !first.hasPrefix("-") { agent = first; rest.removeFirst() }
        let options = try ParsedArguments.parse(rest, command: "agent-token", valueOptions: ["agents-file", "label", "revoke"],
                                                flagOptions: ["list"])
        if options.wantsHelp { print(help); return 0 }
        let path = options.values["agents-file"] ?? AgentPasswdCommand.defaultAgentsFile
        var file: AgentsFile
        do { file = try AgentsFile.read(path: path) } catch { throw RuntimeFailure("agent-token: \(error)") }
        if options.flags.contains("list") {
            for token in file.tokens { print("\(token.label)\t\(token.agent)") }
            return 0
        }
        if let label = options.values["revoke"] {
            guard file.tokens.contains(where: { $0.label == label }) else { throw RuntimeFailure("agent-token: no token \(label) in \(path)") }
            file.tokens.removeAll { $0.label == label }
            do { try file.write(path: path) } catch { throw RuntimeFailure("agent-token: \(error)") }
            print("token \(label) revoked")
            return 0
        }
        guard let agent, let label = options.values["label"] else {
            throw UsageError("agent-token: give AGENT --label LABEL, --revoke LABEL or --list (see --help)")
        }
        guard AgentsFile.isValidName(label) else { throw UsageError("agent-token: LABEL must be 1 to 64 of A-Z a-z 0-9 . _ @ -") }
        guard file.agents[agent] != nil else { throw RuntimeFailure("agent-token: no agent \(agent) in \(path) (add it with agent-passwd)") }
        guard !file.tokens.contains(where: { $0.label == label }) else { throw RuntimeFailure("agent-token: token \(label) exists (revoke it first)") }
        do {
            let made = try APIToken.make(label: label, agent: agent)
            file.tokens.append(made.entry)
            try file.write(path: path)
            print(made.token)
            printError("token \(label) for agent \(agent) stored in \(path) (only its SHA-256); the line above is shown once")
        } catch {
            throw RuntimeFailure("agent-token: \(error)")
        }
        return 0
    }
}

/// Reads a password from the terminal without echo (twice), or one line from a pipe.
enum PasswordInput {
    static func read(prompt: String) throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            let first = try readHidden(prompt)
            let second = try readHidden("Again: ")
            guard first == second else { throw UsageError("agent-passwd: the passwords differ") }
            return first
        }
        guard let line = Swift.readLine(strippingNewline: true) else {
            throw UsageError("agent-passwd: no password on standard input")
        }
        return line
    }

    private static func readHidden(_ prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw RuntimeFailure("agent-passwd: cannot read the terminal settings") }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        silent.c_lflag |= tcflag_t(ECHONL)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
        guard let line = Swift.readLine(strippingNewline: true) else { throw UsageError("agent-passwd: no password entered") }
        return line
    }
}
