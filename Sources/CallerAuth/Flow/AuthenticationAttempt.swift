import Foundation
import Synchronization
import AGI
import CIBA
import IdentityNumbers
import StructuredLogging

/// The steps between the start of a call and its outcome: answer, language, the subject
/// (number or caller id), rate limits, bc-authorize, the word pair, the wait.
struct AuthenticationAttempt: Sendable {
    let session: CallerAuthSession
    let profile: Profile
    let options: CallOptions
    let state: SessionState
    let log: Logger

    var service: CallerAuthService { session.service }
    var channel: AGIChannel { session.channel }

    func run() async -> SessionOutcome {
        do {
            return try await steps()
        } catch {
            let failure = classify(error)
            if failure.code == .callerHangup {
                return .failed(.callerHangup, reason: "caller hung up", polls: state.polls)
            }
            log.error("session.agi_failed", ["error": failure.reason])
            return .failed(.agiFailed, reason: "AGI dialogue failed: \(failure.reason)", polls: state.polls)
        }
    }

    private func steps() async throws -> SessionOutcome {
        let environment = channel.environment
        if channel.isHungUp { return .failed(.callerHangup, reason: "hung up before start") }
        if try await channel.channelStatus() != 6 {
            try await channel.answer()
        }

        let language = options.language ?? profile.language ?? PromptLanguage.forChannelLanguage(environment.language)
        if PromptLanguage.asteriskDirectory(forChannelLanguage: environment.language) != language.rawValue {
            // Prompts are `ciba/<name>`; Asterisk looks them up in the channel language's directory.
            try await channel.setVariable("CHANNEL(language)", language.rawValue)
        }

        let number: PersonalNumber?
        switch try await identifySubject() {
        case .subject(let found):
            number = found
        case .outcome(let outcome):
            return outcome
        }

        // Every leg of a call shares the linkedid, so an agent's leg finds this verification.
        let linkedID = try await channel.getVariable("CHANNEL(linkedid)").flatMap { $0.isEmpty ? nil : $0 }
        let identity = IdentityBox()
        let queueIdentities: QueueIdentityCache? = session.mode == .queueStart ? service.queueMode.identities : nil
        let profile = self.profile
        let txn = session.txn
        let request = VerificationRequest(profile: profile, number: number, callerID: environment.callerID, initiator: "ivr",
                                          uniqueID: environment.uniqueID.isEmpty ? nil : environment.uniqueID, linkedID: linkedID,
                                          options: options, txn: txn, onVerified: { verified in
                                              identity.set(verified)
                                              // caller-auth-result runs later, in another AGI session: it needs the mapped claims.
                                              await queueIdentities?.store(txn: txn, IdentityMapping.variables(verified, number: number, profile: profile))
                                          })
        let providerStart = ContinuousClock.now
        defer {
            let seconds = Double((ContinuousClock.now - providerStart) / .milliseconds(1)) / 1000
            service.metrics.observeVerification(seconds: seconds)
        }
        let started = await service.engine.start(request)
        state.recordPoll(started.polls, answered: true)
        if started.status.isFinal {
            return outcome(for: started, number: number, identity: identity.get())
        }

        // The verification polls from here on: every way out of this call without its final
        // record cancels it first, so no request follows a hang-up or a broken AGI dialogue.
        do {
            if session.mode == .queueStart {
                try await speakBeforeQueue(started, language: language)
                return .pending(polls: started.polls)
            }
            let final = try await speakAndWait(started, language: language)
            return outcome(for: final, number: number, identity: identity.get())
        } catch {
            let failure = classify(error)
            let stopped = await service.engine.cancel(txn: session.txn, error: failure.code.rawValue, reason: failure.reason)
            if let stopped { state.recordPoll(stopped.polls, answered: true) }
            throw error
        }
    }

    /// The word pair, "open the app", music on hold, then the wait (with `*` repeating the prompts).
    private func speakAndWait(_ started: VerificationRecord, language: PromptLanguage) async throws -> VerificationRecord {
        let (speaker, words) = try await announce(started, language: language, repeatHint: true)
        try await channel.setMusic(true, class: service.configuration.musicOnHoldClass)
        state.musicOn = true

        return try await waitForFinalRecord(expiresAt: started.expiresAt) {
            // `*`: any prompt stops music on hold, so start it again afterwards.
            if words.isEmpty {
                _ = try await channel.streamFile(Prompt.openApp.file)
            } else {
                try await speaker.speak(words, on: channel, txn: session.txn)
            }
            try await channel.setMusic(true, class: service.configuration.musicOnHoldClass)
        }
    }

    /// `CIBA_BINDING_MESSAGE`, the word pair (then, where `*` can repeat it, the hint that it
    /// can), then `ciba/open-app`.
    func announce(_ started: VerificationRecord, language: PromptLanguage, repeatHint: Bool) async throws -> (WordPairSpeaker, String) {
        let speaker = WordPairSpeaker(strategy: profile.wordPairStrategy, language: language, logger: log)
        let words = started.wordPair ?? ""
        if !words.isEmpty {
            state.bindingMessage = words
            try await channel.setVariable("CIBA_BINDING_MESSAGE", words)
            try await speaker.speak(words, on: channel, txn: session.txn)
            if repeatHint { _ = try await channel.streamFile(Prompt.pressStarToRepeat.file) }
        }
        _ = try await channel.streamFile(Prompt.openApp.file)
        return (speaker, words)
    }

    /// `caller-auth-start`: the word pair and `ciba/open-app`, then back to the dialplan. No
    /// music on hold (the queue plays its own) and no `*` hint (nothing listens for it).
    private func speakBeforeQueue(_ started: VerificationRecord, language: PromptLanguage) async throws {
        _ = try await announce(started, language: language, repeatHint: false)
    }

    /// What identifies the caller at the provider.
    private enum Subject {
        /// The validated number (nil for caller-id profiles).
        case subject(PersonalNumber?)
        case outcome(SessionOutcome)
    }

    /// A validated number, or the caller id for caller-id profiles.
    private func identifySubject() async throws -> Subject {
        switch profile.loginHintSource {
        case .callerID:
            let callerID = channel.environment.callerID.trimmingCharacters(in: CharacterSet.whitespaces)
            guard !callerID.isEmpty, callerID.lowercased() != "unknown", callerID.allSatisfy({ $0.isNumber || $0 == "+" }) else {
                return .outcome(SessionOutcome.failed(.invalidNumber, reason: "no usable caller id for a caller-id profile").with(prompt: .failed))
            }
            return .subject(nil)
        case .number:
            guard let kind = profile.numberKind else { return .outcome(.failed(.configError, reason: "profile has no numberKind")) }
            switch try await identifyNumber(kind: kind) {
            case .number(let number):
                state.numberMasked = number.masked
                state.number = number
                return .subject(number)
            case .outcome(let outcome):
                return .outcome(outcome)
            }
        }
    }

    /// The session's outcome from the verification's final record; the channel variables of a
    /// verified caller come from the full identity the engine handed over (mapped claims).
    private func outcome(for record: VerificationRecord, number: PersonalNumber?, identity: VerifiedIdentity?) -> SessionOutcome {
        if record.status == .verified {
            guard let identity else {
                log.error("session.identity_missing")
                return .failed(.providerError, reason: "verified without an identity", polls: record.polls)
            }
            let polls = max(record.polls, state.polls)
            return .verified(variables: IdentityMapping.variables(identity, number: number, profile: profile),
                             sub: record.claims?.sub ?? identity.string("sub") ?? "", polls: polls)
        }
        let code = record.error.flatMap(CallErrorCode.init(rawValue:)) ?? .providerError
        return .failed(code, reason: record.reason ?? code.rawValue, polls: max(record.polls, state.polls))
    }

    /// Number from `number=`, the `CIBA_ID_NUMBER` variable, or keyed in by the caller.
    private func identifyNumber(kind: NumberKind) async throws -> NumberEntry {
        if let retry = session.presetNumber, retry.kind == kind { return .number(retry) }
        var preset = options.number
        if preset == nil, let variable = try await channel.getVariable("CIBA_ID_NUMBER"), !variable.isEmpty {
            preset = variable
        }
        if let preset {
            switch PersonalNumber.parse(preset, kind: kind) {
            case .success(let number): return .number(number)
            case .failure(let error):
                log.warning("number.preset_invalid", ["reason": String(describing: error.reason)])
                return .outcome(SessionOutcome.failed(.invalidNumber, reason: "preset number invalid").with(prompt: .invalidIDNumber))
            }
        }
        let collector = NumberCollector(channel: channel, kind: kind, maxAttempts: service.configuration.maxAttempts,
                                        timeout: service.timing.digitTimeout ?? .seconds(service.configuration.digitTimeoutSeconds),
                                        log: log)
        return try await collector.collect()
    }

    /// What an error thrown by the AGI dialogue means: the caller hung up, or the dialogue
    /// itself failed (no reply in time, protocol violation, ...), which must not be blamed on
    /// the caller. A fatal session failure also closes the connection and so marks the channel
    /// hung up, hence the session's own failure is looked at first.
    func classify(_ error: any Error) -> (code: CallErrorCode, reason: String) {
        if let failure = channel.sessionFailure {
            return (.agiFailed, "\(failure.kind): \(failure.reason)")
        }
        if let agi = error as? AGIError, agi.kind != .hangup, agi.kind != .closed, agi.kind != .deadChannel {
            return (.agiFailed, "\(agi.kind): \(agi.reason)")
        }
        if channel.isHungUp || error is CancellationError || error is AGIError {
            return (.callerHangup, "caller hung up")
        }
        return (.agiFailed, "unexpected error \(type(of: error))")
    }
}

/// The full identity of a verified caller, handed over by the engine before its final record.
final class IdentityBox: Sendable {
    private let value = Mutex<VerifiedIdentity?>(nil)
    func set(_ identity: VerifiedIdentity) { value.withLock { $0 = identity } }
    func get() -> VerifiedIdentity? { value.withLock { $0 } }
}

extension SessionOutcome {
    func with(prompt: Prompt) -> SessionOutcome {
        var copy = self
        copy.promptOverride = prompt
        return copy
    }
}
