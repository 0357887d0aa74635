import Foundation
import StructuredLogging
import Synchronization

/// Runs one FastAGI session from the first byte to the close.
///
/// Flow: start push-mode receiving; wait for the environment block (`environmentTimeout`);
/// route by script name; run the handler in one task; close. The handler's task is
/// cancelled the moment Asterisk reports `HANGUP` or the socket closes.
///
/// Closing: Asterisk never closes a FastAGI socket on its own after a hang-up, so the
/// session ALWAYS closes it at the end. We close directly (no half-close and grace period):
/// Asterisk treats a full close exactly like a half-close (AGISTATUS SUCCESS in fixture
/// 01c); its final `HANGUP` line, which only a half-closing server would read, carries no
/// information we need, and a direct close frees the socket and its state at once.
public enum AGISession {
    /// - Parameter clock: where the environment and reply deadlines come from (tests pass a
    ///   manual one; see ``AGIDeadlineClock``).
    public static func run(
        transport: any AGITransport, router: AGIRouter, limits: AGISessionLimits = AGISessionLimits(),
        clock: any AGIDeadlineClock = SocketLoopDeadlineClock(), logger: Logger, sessionID: String
    ) async {
        let started = ContinuousClock.now
        let sessionLog = logger.with("session", sessionID)
        let core = AGISessionCore(transport: transport, limits: limits, clock: clock, logger: sessionLog)
        core.start()

        let environment: AGIEnvironment
        switch await core.waitForEnvironment() {
        case .success(let value):
            environment = value
        case .failure(let error):
            // `error` is already logged by the core when it was detected there.
            // The `info` fields (peer text, duration) cost more than the rest of a short
            // session's bookkeeping, so they are only built when `info` is enabled.
            let logsInfo = sessionLog.isEnabled(.info)
            if logsInfo && error.kind == .closed {
                sessionLog.info("agi.session.closed_before_environment", ["peer": transport.peerDescription])
            }
            transport.close()
            core.disarm()
            if logsInfo {
                sessionLog.info("agi.session.end", [
                    "duration_ms": milliseconds(since: started), "hungup": "false", "commands": "0",
                    "outcome": error.kind.name,
                ])
            }
            return
        }

        let log = sessionLog.with("uniqueid", environment.uniqueID)
        core.logger.withLock { $0 = log }
        let logsInfo = log.isEnabled(.info)
        if logsInfo {
            // No caller id here: it is personal data, and the handler logs it masked (or in
            // full when the operator chose so, e.g. caller-auth's `logCallerId`).
            log.info("agi.session.start", [
                "script": environment.script, "channel": environment.channel, "peer": transport.peerDescription,
            ])
        }
        let channel = AGIChannel(environment: environment, core: core)
        var outcome = "ok"

        if let handler = router.handler(for: environment.script) {
            let outcomeBox = AGIOutcomeBox()
            let task = startHandler(handler, channel: channel, log: log, outcome: outcomeBox)
            core.setHandlerTask(task)
            await task.value
            core.clearHandlerTask()
            outcome = outcomeBox.value
        } else {
            outcome = "unknown_script"
            log.warning("agi.unknown_script", ["script": environment.script])
            let shown = String(environment.script.prefix(200))
            _ = try? await channel.send(.verbose("ciba-agi: no handler for script '\(shown)'", level: 1),
                                        ownTimeout: .seconds(2))
        }

        let hungUp = core.isHungUp
        transport.close()
        core.disarm()
        if logsInfo {
            log.info("agi.session.end", [
                "duration_ms": milliseconds(since: started), "hungup": hungUp ? "true" : "false",
                "commands": String(core.commandCount), "outcome": outcome,
            ])
        }
    }

    /// Runs the handler in one task, which a hang-up cancels.
    ///
    /// An unstructured task does not inherit the caller's task executor preference (e.g. the
    /// socket-loop executor the server may run sessions on), so it is passed on explicitly:
    /// the handler then resumes on the thread that delivered the reply, with no extra hop.
    private static func startHandler(
        _ handler: @escaping AGIHandler, channel: AGIChannel, log: Logger, outcome: AGIOutcomeBox
    ) -> Task<Void, Never> {
        let body: @Sendable () async -> Void = {
            do {
                try await handler(channel)
            } catch let error as AGIError {
                outcome.set(error.kind == .hangup || error.kind == .deadChannel ? "hangup" : "error")
                log.warning("agi.handler.error", ["error": error.kind.name, "reason": error.reason])
            } catch is CancellationError {
                outcome.set("cancelled")
                log.info("agi.handler.cancelled")
            } catch {
                outcome.set("error")
                log.warning("agi.handler.error", ["error": String(describing: type(of: error)),
                                                   "reason": String(describing: error)])
            }
        }
        if #available(macOS 26.4, *) {
            let preference = withUnsafeCurrentTask { $0?.unownedTaskExecutor?.asTaskExecutor() }
            return Task(executorPreference: preference) { await body() }
        }
        return Task { await body() }
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        return String(AGICommand.milliseconds(elapsed))
    }
}

/// The handler's outcome for the session-end log line.
final class AGIOutcomeBox: Sendable {
    private let stored = Mutex("ok")
    func set(_ value: String) { stored.withLock { $0 = value } }
    var value: String { stored.withLock { $0 } }
}
