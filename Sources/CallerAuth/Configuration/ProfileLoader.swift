import Foundation
import IdentityNumbers

/// Builds one `profiles.<name>` entry for `ConfigurationLoader`.
enum ProfileLoader {
    static let keys = ["numberKind", "acrValues", "loginHint", "loginHintSource", "bindingMessage", "callInitiator",
                       "numberClaim", "exposeIdNumber", "claimVariables", "wordPairStrategy", "wordPairTTS", "wordPairExec",
                       "extraParameters", "language", "requestedExpiry", "retryOnDenied", "$comment"]

    /// Form parameters the flow sets itself; `extraParameters` may not replace them.
    static let reservedParameters: Set<String> = ["scope", "login_hint", "login_hint_token", "id_token_hint", "client_id",
                                                  "client_secret", "client_assertion", "client_assertion_type", "acr_values",
                                                  "binding_message", "authorization_details", "requested_expiry", "grant_type", "auth_req_id"]

    static func build(name: String, _ value: ConfigValue, baseDirectory: String, reader: inout ConfigReader) -> Profile? {
        let path = "profiles.\(name)"
        let before = reader.problems.count
        guard let p = reader.object(value, path: path, allowed: keys) else { return nil }

        let sourceText = reader.string(p, "loginHintSource", path: path) ?? "number"
        let source = LoginHintSource(rawValue: sourceText)
        if source == nil { reader.problem("\(path).loginHintSource", "\"\(sourceText)\" is not a source (number, callerid)") }

        var kind: NumberKind? = nil
        if let text = reader.string(p, "numberKind", path: path) {
            kind = NumberKind(rawValue: text)
            if kind == nil {
                reader.problem("\(path).numberKind", "\"\(text)\" is not a number kind (se-personnummer, no-fodselsnummer)")
            }
        } else if source != .callerID {
            reader.problem("\(path).numberKind", "missing (se-personnummer or no-fodselsnummer)")
        }

        let loginHint = reader.string(p, "loginHint", path: path) ?? (source == .callerID ? "{callerid}" : "sub:ssn:{number}")
        if source == .callerID && !loginHint.contains("{callerid}") {
            reader.problem("\(path).loginHint", "must contain {callerid} when loginHintSource is callerid")
        } else if source == .number && !loginHint.contains("{number}") {
            reader.problem("\(path).loginHint", "must contain {number} (e.g. \"sub:ssn:{number}\" or \"{number}\")")
        }

        let bindingMessage = reader.string(p, "bindingMessage", path: path)
        if kind == .noFodselsnummer, bindingMessage != nil {
            reader.problem("\(path).bindingMessage", "Norwegian BankID profiles must not send a binding_message (the provider returns the word pair)")
        }
        if let bindingMessage, bindingMessage.count > 250 {
            reader.problem("\(path).bindingMessage", "too long (\(bindingMessage.count) characters; keep it short, providers limit it)")
        }

        var initiator: CallInitiator? = kind == .sePersonnummer ? .user : nil
        if let text = reader.string(p, "callInitiator", path: path) {
            if text == "none" { initiator = nil } else if let value = CallInitiator(option: text) {
                initiator = value
            } else {
                reader.problem("\(path).callInitiator", "\"\(text)\" is not an initiator (user, rp, none)")
            }
        }

        var numberClaim: String? = switch kind {
        case .sePersonnummer: "ssn"
        case .noFodselsnummer: "socialno"
        case nil: nil
        }
        if let text = reader.string(p, "numberClaim", path: path) { numberClaim = text.isEmpty ? nil : text }
        if source == .callerID { numberClaim = nil }

        let expose = reader.bool(p, "exposeIdNumber", path: path) ?? false
        let claimVariables = reader.stringMap(p, "claimVariables", path: path) ?? [:]
        for (claim, variable) in claimVariables.sorted(by: { $0.key < $1.key }) where !isVariableName(variable) {
            reader.problem("\(path).claimVariables.\(claim)", "\"\(variable)\" is not a channel variable name (letters, digits, _)")
        }
        for claim in claimVariables.keys.sorted() where claim == "ssn" || claim == "socialno" || claim == numberClaim {
            reader.problem("\(path).claimVariables.\(claim)", "carries the national number: use exposeIdNumber (CIBA_ID_NUMBER) instead")
        }
        let extra = reader.stringMap(p, "extraParameters", path: path) ?? [:]
        for key in extra.keys.sorted() where reservedParameters.contains(key) {
            reader.problem("\(path).extraParameters.\(key)", "is set by ciba-agi itself; use the profile's own key instead")
        }

        var language: PromptLanguage? = nil
        if let text = reader.string(p, "language", path: path) {
            language = PromptLanguage(rawValue: text)
            if language == nil { reader.problem("\(path).language", "\"\(text)\" is not a prompt language (en, sv, nb)") }
        }
        let expiry = reader.integer(p, "requestedExpiry", path: path, range: 30...3600)
        // Norwegian BankID's rule: never more than two retries, each only after the caller agreed.
        let retries = reader.integer(p, "retryOnDenied", path: path, range: 0...2) ?? 0

        let strategy = wordPairStrategy(p, path: path, baseDirectory: baseDirectory, reader: &reader)
        guard reader.problems.count == before, let source, let strategy else { return nil }
        var profile = Profile(name: name, numberKind: kind, acrValues: reader.string(p, "acrValues", path: path), loginHint: loginHint,
                              loginHintSource: source, bindingMessage: bindingMessage, callInitiator: initiator,
                              numberClaim: numberClaim, exposeIDNumber: expose, claimVariables: claimVariables,
                              wordPairStrategy: strategy, extraParameters: extra, language: language, requestedExpiry: expiry)
        profile.retryOnDenied = retries
        return profile
    }

    static func wordPairStrategy(_ p: [String: ConfigValue], path: String, baseDirectory: String, reader: inout ConfigReader) -> WordPairStrategy? {
        let name = reader.string(p, "wordPairStrategy", path: path) ?? "alpha"
        let tts = reader.object(p["wordPairTTS"], path: "\(path).wordPairTTS", allowed: ["command", "soundDirectory", "timeoutSeconds"])
        let exec = reader.object(p["wordPairExec"], path: "\(path).wordPairExec", allowed: ["application", "arguments"])
        switch name {
        case "alpha":
            return .alpha
        case "tts":
            guard let tts else {
                reader.problem("\(path).wordPairTTS", "missing: the tts strategy needs {\"command\": [...], \"soundDirectory\": \"...\"}")
                return nil
            }
            let ttsPath = "\(path).wordPairTTS"
            let command = reader.stringArray(tts, "command", path: ttsPath) ?? []
            if command.isEmpty { reader.problem("\(ttsPath).command", "missing: e.g. [\"espeak-ng\", \"-v\", \"{language}\", \"-w\", \"{file}\", \"{text}\"]") }
            if !command.isEmpty && !command.contains(where: { $0.contains("{file}") }) {
                reader.problem("\(ttsPath).command", "must write to {file}")
            }
            if let program = command.first, program.hasPrefix("/"), !FileManager.default.isExecutableFile(atPath: program) {
                reader.problem("\(ttsPath).command", "\(program) is not an executable file")
            }
            guard let directoryText = reader.string(tts, "soundDirectory", path: ttsPath) else {
                reader.problem("\(ttsPath).soundDirectory", "missing: a directory Asterisk can read, e.g. /var/lib/asterisk/sounds/ciba-tts")
                return nil
            }
            let directory = ConfigurationLoader.resolve(directoryText, baseDirectory)
            if access(directory, W_OK) != 0 {
                reader.problem("\(ttsPath).soundDirectory", "\(directory) does not exist or is not writable")
            }
            let timeout = reader.integer(tts, "timeoutSeconds", path: ttsPath, range: 1...60) ?? 10
            return .tts(TTSSettings(command: command, soundDirectory: directory, timeoutSeconds: timeout))
        case "exec":
            guard let exec else {
                reader.problem("\(path).wordPairExec", "missing: the exec strategy needs {\"application\": \"...\", \"arguments\": \"{text}\"}")
                return nil
            }
            let application = reader.string(exec, "application", path: "\(path).wordPairExec") ?? ""
            if application.isEmpty || !application.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                reader.problem("\(path).wordPairExec.application", "missing or not a dialplan application name")
            }
            let arguments = reader.string(exec, "arguments", path: "\(path).wordPairExec") ?? "{text}"
            return .exec(ExecSettings(application: application, arguments: arguments))
        default:
            reader.problem("\(path).wordPairStrategy", "\"\(name)\" is not a strategy (alpha, tts, exec)")
            return nil
        }
    }

    static func isVariableName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
    }
}
