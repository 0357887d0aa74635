import Foundation
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
            if isHangup(error) {
                return .failed(.callerHangup, reason: "caller hung up", polls: state.polls)
            }
            log.error("session.agi_failed", ["error": String(describing: error)])
            return .failed(.callerHangup, reason: "AGI dialogue failed: \(error)", polls: state.polls)
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
        let subjectKey: String
        switch try await identifySubject() {
        case .subject(let found, let key):
            number = found
            subjectKey = key
        case .outcome(let outcome):
            return outcome
        }

        // Rate limits count requests about to be started at the provider.
        if case .refused(let which) = service.rateLimits.admit(callerID: environment.callerID, number: subjectKey) {
            log.warning("ratelimit.refused", ["limit": which.joined(separator: ","), "number": state.numberMasked])
            return .failed(.rateLimited, reason: "rate limit (\(which.joined(separator: ","))) exceeded")
        }

        let request = BackchannelRequestBuilder.request(profile: profile, options: options, number: number?.normalized, callerID: environment.callerID)
        let providerStart = ContinuousClock.now
        defer {
            let seconds = Double((ContinuousClock.now - providerStart) / .milliseconds(1)) / 1000
            service.metrics.observeVerification(seconds: seconds)
        }
        log.info("ciba.start", ["profile": profile.name, "number": state.numberMasked])
        let grant: BackchannelGrant
        do {
            grant = try await service.authenticator.start(request)
        } catch {
            return outcome(for: error)
        }

        let speaker = WordPairSpeaker(strategy: profile.wordPairStrategy, language: language, logger: log)
        let words = (grant.bindingMessage ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !words.isEmpty {
            state.bindingMessage = words
            try await channel.setVariable("CIBA_BINDING_MESSAGE", words)
            try await speaker.speak(words, on: channel, txn: session.txn)
        }
        _ = try await channel.streamFile(Prompt.openApp.file)
        try await channel.setMusic(true, class: service.configuration.musicOnHoldClass)
        state.musicOn = true

        let expected: (name: String, value: String)? = profile.numberClaim.flatMap { claim in number.map { (claim, $0.normalized) } }
        let result = try await waitForIdentity(grant, expected: expected) {
            // `*`: any prompt stops music on hold, so start it again afterwards.
            if words.isEmpty {
                _ = try await channel.streamFile(Prompt.openApp.file)
            } else {
                try await speaker.speak(words, on: channel, txn: session.txn)
            }
            try await channel.setMusic(true, class: service.configuration.musicOnHoldClass)
        }
        return finalOutcome(result, number: number)
    }

    /// What identifies the caller at the provider.
    private enum Subject {
        /// The validated number (nil for caller-id profiles) and the rate-limit key.
        case subject(PersonalNumber?, key: String)
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
            return .subject(nil, key: callerID)
        case .number:
            guard let kind = profile.numberKind else { return .outcome(.failed(.configError, reason: "profile has no numberKind")) }
            switch try await identifyNumber(kind: kind) {
            case .number(let number):
                state.numberMasked = number.masked
                return .subject(number, key: number.normalized)
            case .outcome(let outcome):
                return .outcome(outcome)
            }
        }
    }

    /// The outcome of the wait: the verified identity, or the failure's codes.
    private func finalOutcome(_ result: Result<VerifiedIdentity, any Error>, number: PersonalNumber?) -> SessionOutcome {
        switch result {
        case .success(let identity):
            let polls = max(identity.polls, state.polls)
            let variables = IdentityMapping.variables(identity, number: number, profile: profile)
            log.info("ciba.verified", ["polls": String(polls)])
            return .verified(variables: variables, sub: identity.string("sub") ?? "", polls: polls)
        case .failure(let error):
            // A last poll cut short by the expiry is reported as expired by the CIBA client itself.
            return outcome(for: error)
        }
    }

    /// Number from `number=`, the `CIBA_ID_NUMBER` variable, or keyed in by the caller.
    private func identifyNumber(kind: NumberKind) async throws -> NumberEntry {
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

    /// Maps a CIBA failure (or a hang-up seen as cancellation) to the contract's codes.
    private func outcome(for error: any Error) -> SessionOutcome {
        if isHangup(error) {
            return .failed(.callerHangup, reason: "caller hung up while waiting", polls: state.polls)
        }
        if let failure = error as? CIBAFailure {
            let code = CallErrorCode(rawValue: failure.code) ?? .providerError
            log.info("ciba.failed", ["code": code.rawValue, "reason": failure.reason])
            return .failed(code, reason: failure.reason, polls: max(failure.polls, state.polls))
        }
        log.error("ciba.unexpected_error", ["error": String(describing: type(of: error))])
        return .failed(.providerError, reason: "unexpected error", polls: state.polls)
    }

    private func isHangup(_ error: any Error) -> Bool {
        if channel.isHungUp { return true }
        if error is CancellationError { return true }
        if let agi = error as? AGIError {
            return agi.kind == .hangup || agi.kind == .closed || agi.kind == .deadChannel
        }
        return false
    }
}

extension SessionOutcome {
    func with(prompt: Prompt) -> SessionOutcome {
        var copy = self
        copy.promptOverride = prompt
        return copy
    }
}
