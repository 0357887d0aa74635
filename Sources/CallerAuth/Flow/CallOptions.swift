import Foundation

/// The per-call options (CONTRACT §2): from the URL query (`caller-auth?initiator=rp`) and
/// the second AGI argument (`initiator=rp&number=...&language=sv`); the argument wins.
///
/// Unknown keys are ignored (and logged by name only), so a dialplan written for a newer
/// version still works.
public struct CallOptions: Sendable, Equatable {
    public var initiator: CallInitiator?
    /// A number an agent typed; replaces DTMF collection. Never logged.
    public var number: String?
    public var language: PromptLanguage?
    /// Keys that were present but not understood (names only).
    public var ignoredKeys: [String] = []

    public init(initiator: CallInitiator? = nil, number: String? = nil, language: PromptLanguage? = nil) {
        self.initiator = initiator
        self.number = number
        self.language = language
    }

    /// Combines the URL query and the OPTIONS argument text.
    public static func parse(query: [String: String], argument: String?) -> CallOptions {
        var pairs = query
        for (key, value) in parsePairs(argument ?? "") { pairs[key] = value }
        var options = CallOptions()
        for key in pairs.keys.sorted() {
            let value = pairs[key] ?? ""
            switch key.lowercased() {
            case "initiator":
                options.initiator = CallInitiator(option: value)
                if options.initiator == nil { options.ignoredKeys.append(key) }
            case "number":
                options.number = value.isEmpty ? nil : value
            case "language", "lang":
                options.language = PromptLanguage(option: value)
                if options.language == nil { options.ignoredKeys.append(key) }
            default:
                options.ignoredKeys.append(key)
            }
        }
        return options
    }

    /// `a=1&b=2` with percent-decoding; pairs without `=` get an empty value.
    static func parsePairs(_ text: String) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(pieces[0]).trimmingCharacters(in: .whitespaces)
            let raw = pieces.count > 1 ? String(pieces[1]) : ""
            let value = (raw.removingPercentEncoding ?? raw).trimmingCharacters(in: .whitespaces)
            return (key.removingPercentEncoding ?? key, value)
        }
    }
}
