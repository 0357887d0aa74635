/// The languages prompts ship in (`sounds/<lang>/ciba/*.wav`).
public enum PromptLanguage: String, Sendable, CaseIterable {
    case en, sv, nb

    /// Maps an Asterisk channel language (`agi_language`: `sv`, `sv_SE`, `no`, `nb_NO`,
    /// `en_US`, ...) to a prompt language; anything unknown is English.
    public static func forChannelLanguage(_ language: String) -> PromptLanguage {
        let base = language.lowercased().split(whereSeparator: { $0 == "_" || $0 == "-" }).first.map(String.init) ?? ""
        switch base {
        case "sv", "se": return .sv
        case "nb", "no", "nn": return .nb
        default: return .en
        }
    }

    /// Parses an explicit option value (`language=sv`); also accepts channel-style codes.
    public init?(option: String) {
        let lower = option.lowercased()
        if let exact = PromptLanguage(rawValue: lower) { self = exact; return }
        switch lower {
        case "no", "nn", "nb_no", "no_no": self = .nb
        case "sv_se", "se": self = .sv
        case "en_us", "en_gb": self = .en
        default: return nil
        }
    }

    /// The sound directory Asterisk would pick for a channel language: Asterisk tries the
    /// language itself, then the part before `_`, then `en`. Used to decide whether the
    /// channel language must be changed so that `ciba/<prompt>` resolves to our language.
    public static func asteriskDirectory(forChannelLanguage language: String) -> String {
        language.split(separator: "_").first.map(String.init) ?? language
    }
}

/// The prompt files the flow plays, all under `ciba/` in the language's sound directory.
public enum Prompt: String, Sendable, CaseIterable {
    case enterIDNumber = "enter-id-number"
    case invalidIDNumber = "invalid-id-number"
    case wordPairIs = "word-pair-is"
    /// After the word pair in the interactive flow, where `*` repeats it.
    case pressStarToRepeat = "press-star-to-repeat"
    /// After DENIED with `retryOnDenied`: "press 1 to try again, any other key to continue".
    case retryOffer = "retry-offer"
    case openApp = "open-app"
    case verified
    case denied
    case expired
    case failed
    case rateLimited = "rate-limited"
    case tooManyAttempts = "too-many-attempts"
    case noInput = "no-input"

    /// What STREAM FILE / GET DATA get: `ciba/enter-id-number`.
    public var file: String { "ciba/" + rawValue }
}
