import StructuredLogging

/// One call, as seen by a handler: its environment and the commands it can send.
///
/// Hang-up semantics: when Asterisk writes `HANGUP` (or the socket closes), `isHungUp`
/// becomes true, `waitForHangup()` returns and the handler's task is cancelled at once, so
/// `Task.sleep`, URLSession requests and polling loops stop. Commands do not throw merely
/// because the task is cancelled: dead-channel commands (SET/GET VARIABLE, VERBOSE, NOOP,
/// EXEC) keep working after a hang-up, others get 511 (`AGIError.deadChannel`). Once the
/// socket is closed every command throws `AGIError.closed` at once.
///
/// Only one command is in flight at a time (Asterisk aborts a running command when the next
/// line arrives); concurrent callers are queued in order.
public final class AGIChannel: Sendable {
    public let environment: AGIEnvironment
    let core: AGISessionCore

    init(environment: AGIEnvironment, core: AGISessionCore) {
        self.environment = environment
        self.core = core
    }

    /// True once Asterisk reported a hang-up or the connection closed.
    public var isHungUp: Bool { core.isHungUp }

    /// True once the connection is closed; commands then throw `AGIError.closed`.
    public var isClosed: Bool { core.isClosed }

    /// The fatal AGI-level failure that ended the session (no reply in time, a reply this
    /// layer does not understand, an over-long line), nil while the session is fine and after
    /// an ordinary hang-up. Lets a handler tell "the caller hung up" from "the AGI dialogue
    /// broke", which also closes the connection and so looks like a hang-up otherwise.
    public var sessionFailure: AGIError? { core.failure }

    /// Returns when the channel hangs up or the connection closes (at once if it already did).
    public func waitForHangup() async { await core.waitForHangup() }

    /// Sends any command and returns its reply, including 510/511/520 replies
    /// (use `requireSuccess()` to turn those into errors).
    ///
    /// - Parameter timeout: how long the command itself may run (e.g. a digit wait); the reply
    ///   deadline is this plus `replyTimeoutSlack`. `nil` uses `defaultReplyTimeout`.
    /// - Throws: `AGIError` `.invalidArgument` / `.commandTooLong` before anything is sent,
    ///   `.closed` when the connection is gone, `.timedOut` when no reply came (the session is
    ///   then closed: a late reply would be read as the answer to the next command).
    public func send(_ command: AGICommand, timeout: Duration? = nil) async throws -> AGIResponse {
        try await send(command, ownTimeout: timeout)
    }

    func send(_ command: AGICommand, ownTimeout: Duration?) async throws(AGIError) -> AGIResponse {
        let bytes = try command.encodedLine()
        let limits = core.limits
        let replyTimeout = ownTimeout.map { $0 + limits.replyTimeoutSlack } ?? limits.defaultReplyTimeout
        if core.logsCommands { logCommand(command, core.log) }
        return try await core.perform(line: bytes, replyTimeout: replyTimeout)
    }

    /// Sends a typed command and requires a 200 reply.
    func run(_ command: AGICommand, ownTimeout: Duration? = nil) async throws(AGIError) -> AGIResponse {
        try await send(command, ownTimeout: ownTimeout).requireSuccess()
    }

    /// Debug-level command log. Values of SET VARIABLE are logged only at debug and never for
    /// variables whose name contains `ID_NUMBER`; other arguments are never logged.
    private func logCommand(_ command: AGICommand, _ log: Logger) {
        if command.name == ["SET", "VARIABLE"], command.arguments.count >= 2 {
            let variable = command.arguments[0].value
            if variable.uppercased().contains("ID_NUMBER") {
                log.debug("agi.command", ["command": command.commandName, "variable": variable, "value": "(hidden)"])
            } else {
                log.debug("agi.command", ["command": command.commandName, "variable": variable, "value": command.arguments[1].value])
            }
        } else {
            log.debug("agi.command", ["command": command.commandName])
        }
    }
}
