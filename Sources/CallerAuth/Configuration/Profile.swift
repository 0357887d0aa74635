import IdentityNumbers

/// One authentication profile (`profiles.<name>` in the configuration): which number the
/// caller keys in and how the backchannel request for it looks at the provider.
public struct Profile: Sendable {
    public var name: String
    /// The national number the caller keys in; nil only when the login hint comes from the caller id.
    public var numberKind: NumberKind?
    public var acrValues: String?
    /// `login_hint` template: `{number}` = the validated number (normalized digits),
    /// `{callerid}` = the channel's caller id.
    public var loginHint: String
    public var loginHintSource: LoginHintSource
    /// Text shown in the app (Swedish BankID); never sent for Norwegian profiles.
    public var bindingMessage: String?
    /// Swedish phone authentication: who placed the call. nil sends no `authorization_details`.
    public var callInitiator: CallInitiator?
    /// The ID-token claim that must equal the entered number (`ssn`, `socialno`); nil = no check.
    public var numberClaim: String?
    public var exposeIDNumber: Bool
    /// Extra claims to channel variables: claim name -> variable name.
    public var claimVariables: [String: String]
    public var wordPairStrategy: WordPairStrategy
    public var extraParameters: [String: String]
    /// Prompt language when neither `language=` nor a known channel language says otherwise.
    public var language: PromptLanguage?
    public var requestedExpiry: Int?
    /// `retryOnDenied` (0–2): after DENIED, how many new attempts the caller may start by
    /// pressing 1 (Norwegian BankID: ask first, never more than two retries).
    public var retryOnDenied: Int = 0

    public init(name: String, numberKind: NumberKind?, acrValues: String? = nil, loginHint: String = "sub:ssn:{number}",
                loginHintSource: LoginHintSource = .number, bindingMessage: String? = nil, callInitiator: CallInitiator? = nil,
                numberClaim: String? = nil, exposeIDNumber: Bool = false, claimVariables: [String: String] = [:],
                wordPairStrategy: WordPairStrategy = .alpha, extraParameters: [String: String] = [:],
                language: PromptLanguage? = nil, requestedExpiry: Int? = nil) {
        self.name = name
        self.numberKind = numberKind
        self.acrValues = acrValues
        self.loginHint = loginHint
        self.loginHintSource = loginHintSource
        self.bindingMessage = bindingMessage
        self.callInitiator = callInitiator
        self.numberClaim = numberClaim
        self.exposeIDNumber = exposeIDNumber
        self.claimVariables = claimVariables
        self.wordPairStrategy = wordPairStrategy
        self.extraParameters = extraParameters
        self.language = language
        self.requestedExpiry = requestedExpiry
    }
}

/// Where the `login_hint` comes from.
public enum LoginHintSource: String, Sendable {
    /// The caller keys in a national number (or it comes from `number=` / `CIBA_ID_NUMBER`).
    case number
    /// The channel's caller id (Transmit: the user is identified by phone number); no number is collected.
    case callerID = "callerid"
}

/// Who placed the call, for Swedish BankID phone authentication (`callInitiator`).
public enum CallInitiator: String, Sendable {
    case user
    case rp

    /// The value in `authorization_details`: `user` or `RP`.
    public var wireValue: String { self == .user ? "user" : "RP" }

    public init?(option: String) {
        switch option.lowercased() {
        case "user": self = .user
        case "rp": self = .rp
        default: return nil
        }
    }
}

/// How the word pair (`bindingMessage` from the provider) is spoken to the caller.
public enum WordPairStrategy: Sendable, Equatable {
    /// `SAY ALPHA` letter by letter per word: works on every Asterisk, slow but unambiguous.
    case alpha
    /// Render the text with a local command (e.g. espeak-ng) into a directory Asterisk reads, then `STREAM FILE`.
    case tts(TTSSettings)
    /// `EXEC` a dialplan application that speaks text (sites with a TTS module).
    case exec(ExecSettings)

    public var name: String {
        switch self {
        case .alpha: "alpha"
        case .tts: "tts"
        case .exec: "exec"
        }
    }
}

/// `wordPairTTS`: a command run without a shell. Placeholders in its arguments:
/// `{file}` (the WAV file to write), `{text}` (the word pair), `{language}` (en|sv|nb).
public struct TTSSettings: Sendable, Equatable {
    public var command: [String]
    /// A directory Asterisk can read; files are named after the transaction id and deleted after playback.
    public var soundDirectory: String
    public var timeoutSeconds: Int

    public init(command: [String], soundDirectory: String, timeoutSeconds: Int = 10) {
        self.command = command
        self.soundDirectory = soundDirectory
        self.timeoutSeconds = timeoutSeconds
    }
}

/// `wordPairExec`: `EXEC <application> <arguments>`, `{text}` and `{language}` replaced.
public struct ExecSettings: Sendable, Equatable {
    public var application: String
    public var arguments: String

    public init(application: String, arguments: String = "{text}") {
        self.application = application
        self.arguments = arguments
    }
}
