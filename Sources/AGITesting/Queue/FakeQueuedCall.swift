import AGI
import StructuredLogging
import Synchronization

/// One queued call as Asterisk plays it with the sample dialplan's `[ciba-queue-no]` context:
///
/// 1. The caller's channel enters the dialplan (it is on the fake manager port's channel list)
///    and runs `AGI(.../caller-auth-start,...)` — number, word pair, `ciba/open-app`.
/// 2. The dialplan copies `CIBA_TXN` to the inheritable `__CIBA_TXN` (as the sample does) and
///    the caller waits in `Queue()` with music on hold; no AGI runs meanwhile.
/// 3. Either an agent answers — Asterisk creates the agent's channel with the same `linkedid`
///    and the caller's inheritable (`__`) variables, and the queue's gosub runs
///    `AGI(.../caller-auth-result,...)` on it as a second AGI session — or the caller hangs up
///    while queued, which the manager port reports as `Event: Hangup`.
///
/// The result variables ciba-agi sets with AMI `Setvar` land on the caller's channel in the
/// fake manager port and are inherited by agent legs created afterwards, as in Asterisk.
/// Nothing here waits on wall-clock time: each step runs when the test calls it.
public final class FakeQueuedCall: Sendable {
    public let callerChannel: String
    public let callerUniqueID: String
    public let callerID: String
    public let language: String
    public let manager: FakeAMIServer?
    private let sequence: Int
    private let state = Mutex(State())

    private struct State {
        /// Variables the AGI sessions and the dialplan set on the caller's channel.
        var callerVariables: [String: String] = [:]
        var agentLegs = 0
        var hungUp = false
    }

    /// - Parameter sequence: makes channel names and unique ids distinct between calls of a test.
    public init(sequence: Int, manager: FakeAMIServer?, callerID: String = "+4791234567", language: String = "nb") {
        self.sequence = sequence
        self.manager = manager
        self.callerID = callerID
        self.language = language
        callerChannel = "PJSIP/trunk-" + Self.hex(sequence)
        callerUniqueID = "1733212345.\(sequence * 10)"
        manager?.addChannel(FakeAMIChannel(name: callerChannel, uniqueID: callerUniqueID, callerIDNumber: callerID,
                                           language: language, context: "ciba-queue-no"))
    }

    /// The caller's channel variables as `${NAME}` reads them: what the AGI sessions and the
    /// dialplan set, overlaid with what arrived by AMI `Setvar` (`__` prefixes removed).
    public var callerVariables: [String: String] {
        var variables = state.withLock { $0.callerVariables }
        for (name, value) in manager?.channel(named: callerChannel)?.variables ?? [:] {
            variables[Self.plain(name)] = value
        }
        return variables
    }

    /// Step 1–2: `caller-auth-start` on the caller's channel, then `Set(__CIBA_TXN=${CIBA_TXN})`.
    public func start(through router: AGIRouter, arguments: [String], keypresses: [FakeKeypress] = [],
                      hangupAt: Duration? = nil, hangupAfterCommand: String? = nil, timeScale: Double = 0.2,
                      logger: Logger = .disabled) async throws -> CallTranscript {
        let call = FakeCall(script: "caller-auth-start", arguments: arguments,
                            environment: ["agi_channel": callerChannel, "agi_uniqueid": callerUniqueID,
                                          "agi_callerid": callerID, "agi_language": language, "agi_context": "ciba-queue-no"],
                            variables: state.withLock { $0.callerVariables }, keypresses: keypresses,
                            hangupAt: hangupAt, hangupAfterCommand: hangupAfterCommand, timeScale: timeScale)
        let transcript = try await FakeAsterisk(call: call).place(through: router, logger: logger, timeout: .seconds(60))
        state.withLock { s in
            for (name, value) in transcript.variables { s.callerVariables[name] = value }
            if let txn = transcript.variables["CIBA_TXN"] { s.callerVariables["__CIBA_TXN"] = txn }
        }
        return transcript
    }

    /// Step 3a: an agent answers; the queue's gosub runs `caller-auth-result` on the agent's leg.
    /// - Parameter inherit: false models a dialplan that did not copy `CIBA_TXN` to `__CIBA_TXN`
    ///   (ciba-agi must then find the verification by the shared linkedid).
    public func agentAnswers(through router: AGIRouter, arguments: [String] = [], inherit: Bool = true,
                             timeScale: Double = 0.2, logger: Logger = .disabled) async throws -> CallTranscript {
        let leg = state.withLock { s -> Int in
            s.agentLegs += 1
            return s.agentLegs
        }
        let agentChannel = "PJSIP/agent-\(leg)-" + Self.hex(sequence)
        let agentUniqueID = "1733212345.\(sequence * 10 + leg)"
        // Asterisk copies the caller's `__` variables to the new channel, readable without the prefix.
        var inherited: [String: String] = [:]
        if inherit {
            let stored = state.withLock { $0.callerVariables }.merging(manager?.channel(named: callerChannel)?.variables ?? [:]) { $1 }
            for (name, value) in stored where name.hasPrefix("__") { inherited[Self.plain(name)] = value }
        }
        manager?.addChannel(FakeAMIChannel(name: agentChannel, uniqueID: agentUniqueID, linkedID: callerUniqueID,
                                           callerIDNumber: callerID, language: language, context: "ciba-agent-connect"))
        return try await runResult(on: agentChannel, uniqueID: agentUniqueID, context: "ciba-agent-connect", variables: inherited,
                                   through: router, arguments: arguments, timeScale: timeScale, logger: logger)
    }

    /// Step 3c: `caller-auth-result` later on the caller's own channel (after `Queue()` returns,
    /// or a dialplan that never copied `CIBA_TXN`): no variables, only the caller's `agi_uniqueid`,
    /// so ciba-agi must find the verification by that uniqueid.
    public func resultOnCallersChannel(through router: AGIRouter, arguments: [String] = [],
                                       timeScale: Double = 0.2, logger: Logger = .disabled) async throws -> CallTranscript {
        try await runResult(on: callerChannel, uniqueID: callerUniqueID, context: "ciba-queue-no", variables: [:],
                            through: router, arguments: arguments, timeScale: timeScale, logger: logger)
    }

    /// One `caller-auth-result` AGI session on `channel` of this call (same linkedid).
    private func runResult(on channel: String, uniqueID: String, context: String, variables: [String: String],
                           through router: AGIRouter, arguments: [String], timeScale: Double, logger: Logger) async throws -> CallTranscript {
        let call = FakeCall(script: "caller-auth-result", arguments: arguments,
                            environment: ["agi_channel": channel, "agi_uniqueid": uniqueID, "agi_callerid": callerID,
                                          "agi_language": language, "agi_context": context],
                            variables: variables, timeScale: timeScale, linkedID: callerUniqueID)
        return try await FakeAsterisk(call: call).place(through: router, logger: logger, timeout: .seconds(60))
    }

    /// Step 3b: the caller hangs up while queued (`Event: Hangup` on the manager port).
    public func callerHangsUp() async {
        state.withLock { $0.hungUp = true }
        await manager?.hangup(channel: callerChannel)
    }

    static func plain(_ name: String) -> String {
        String(name.drop(while: { $0 == "_" }))
    }

    static func hex(_ n: Int) -> String {
        let digits = String(n, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
