import Foundation
import AGI
import CIBA
import IdentityNumbers
import StructuredLogging

/// One `caller-auth` call from start to end (CONTRACT §1–§2).
///
/// `run()` never throws: every path ends with the result prompt (unless the caller hung
/// up), every channel variable of CONTRACT §2, one audit record (fsync'ed) and the metrics.
/// A hang-up is noticed either as an AGI error (`-1` / `HANGUP`) or as cancellation of the
/// handler's task; both stop polling at once.
struct CallerAuthSession: Sendable {
    let service: CallerAuthService
    let channel: AGIChannel
    var mode: SessionMode = .interactive
    /// A number validated by an earlier attempt of the same call (retry with consent).
    var presetNumber: PersonalNumber? = nil
    let txn = UUID().uuidString.lowercased()

    private var configuration: Configuration { service.configuration }

    @discardableResult
    func run() async -> SessionResult {
        let startInstant = ContinuousClock.now
        let startDate = Date()
        let environment = channel.environment
        let log = service.logger.with("txn", txn).with("uniqueid", environment.uniqueID)
        service.metrics.sessionStarted()

        let requested = environment.arguments.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let profileName = requested.isEmpty ? configuration.defaultProfile : requested
        let options = CallOptions.parse(query: environment.query, argument: environment.arguments.count > 1 ? environment.arguments[1] : nil)
        let callerID = service.loggableCallerID(environment.callerID)
        log.info("session.start", ["profile": profileName, "channel": environment.channel, "callerid": callerID])
        if !options.ignoredKeys.isEmpty {
            log.warning("session.ignored_options", ["keys": options.ignoredKeys.joined(separator: ",")])
        }

        let state = SessionState()
        // The transaction id first, so even a session cut short leaves it on the channel.
        try? await channel.setVariable("CIBA_TXN", txn)

        let outcome: SessionOutcome
        let profile = configuration.profiles[profileName]
        if let profile {
            let attempt = AuthenticationAttempt(session: self, profile: profile, options: options, state: state, log: log)
            outcome = await attempt.run()
        } else {
            log.error("session.unknown_profile", ["profile": profileName])
            outcome = .failed(.configError, reason: "unknown profile \(profileName)")
        }
        if outcome.status != .hangup, channel.isHungUp {
            // The caller hung up during the last prompt: the result stands, but nothing more is played.
            log.info("session.hangup_after_result", ["status": outcome.status.rawValue])
        }

        if outcome.status == .pending {
            // The verification runs on after this AGI session: its audit record, the AMI
            // notifications and the hang-up watch belong to the queue-mode monitor now.
            service.queueMode.track(QueuedVerification(
                txn: txn, uniqueID: environment.uniqueID, channel: environment.channel, callerID: callerID,
                profile: profileName, numberMasked: state.numberMasked, startedAt: startDate, startInstant: startInstant))
        }

        await finish(outcome, profile: profile, profileName: profileName, state: state, log: log)

        let durationMs = Int((ContinuousClock.now - startInstant) / .milliseconds(1))
        let record = AuditRecord(
            time: startDate, txn: txn, uniqueID: environment.uniqueID, channel: environment.channel,
            callerID: callerID, profile: profileName, initiator: "ivr", status: outcome.status.rawValue, error: outcome.error,
            numberMasked: state.numberMasked, sub: outcome.sub, polls: outcome.polls, durationMs: durationMs)
        if outcome.status != .pending, !(await service.audit.append(record)) {
            log.error("audit.write_failed", ["path": configuration.auditLog ?? "-"])
        }
        service.metrics.sessionEnded(status: outcome.status.rawValue)
        log.info("session.end", [
            "status": outcome.status.rawValue, "error": outcome.error, "reason": outcome.reason,
            "number": state.numberMasked, "polls": String(outcome.polls), "durationMs": String(durationMs),
        ])
        return SessionResult(outcome: outcome, number: state.number, profile: profile)
    }

    /// Music off, the result prompt, then every variable of CONTRACT §2 (identity variables
    /// emptied on failures, so a value from an earlier attempt on the same channel cannot be
    /// mistaken for this one). `CIBA_STATUS` goes last.
    private func finish(_ outcome: SessionOutcome, profile: Profile?, profileName: String, state: SessionState, log: Logger) async {
        if state.musicOn && !channel.isHungUp {
            try? await channel.setMusic(false)
        }
        if !channel.isHungUp, let prompt = outcome.promptOverride ?? outcome.resultPrompt {
            do { _ = try await channel.streamFile(prompt.file) } catch {
                log.info("session.result_prompt_interrupted", ["prompt": prompt.rawValue])
            }
        }
        let variables = ResultVariables.list(outcome, profile: profile, bindingMessage: state.bindingMessage, txn: txn)
        if channel.isClosed {
            log.warning("session.variables_not_set", ["reason": "the AGI connection is closed"])
            return
        }
        for (name, value) in variables {
            do { try await channel.setVariable(name, value) } catch {
                log.warning("session.set_variable_failed", ["variable": name, "error": String(describing: error)])
            }
        }
    }
}

/// Mutable facts of one session that the finishing steps need, filled in as the flow goes.
final class SessionState: @unchecked Sendable {
    private let lock = NSLock()
    private var _numberMasked = ""
    private var _bindingMessage = ""
    private var _musicOn = false
    private var _polls = 0
    private var _number: PersonalNumber?

    var numberMasked: String {
        get { lock.withLock { _numberMasked } }
        set { lock.withLock { _numberMasked = newValue } }
    }
    var bindingMessage: String {
        get { lock.withLock { _bindingMessage } }
        set { lock.withLock { _bindingMessage = newValue } }
    }
    /// The validated number (kept for a retry of the same call; never logged).
    var number: PersonalNumber? {
        get { lock.withLock { _number } }
        set { lock.withLock { _number = newValue } }
    }
    var musicOn: Bool {
        get { lock.withLock { _musicOn } }
        set { lock.withLock { _musicOn = newValue } }
    }

    /// The highest poll number reported so far.
    var polls: Int { lock.withLock { _polls } }

    func recordPoll(_ n: Int, answered: Bool) {
        lock.withLock { _polls = max(_polls, n) }
    }
}
