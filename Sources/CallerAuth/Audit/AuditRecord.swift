import Foundation

/// One line of the audit log (CONTRACT §5): what happened in one caller-auth session.
///
/// Holds only safe values: the number is masked (`19680202****`), the caller id too unless
/// `logCallerId`, never a token or secret. `initiator` says who started it (`ivr` or an agent).
public struct AuditRecord: Sendable, Equatable {
    public var time: Date
    public var txn: String
    public var uniqueID: String
    public var channel: String
    public var callerID: String
    public var profile: String
    public var initiator: String
    public var status: String
    public var error: String
    public var numberMasked: String
    public var sub: String
    public var polls: Int
    public var durationMs: Int

    public init(time: Date, txn: String, uniqueID: String, channel: String, callerID: String, profile: String,
                initiator: String = "ivr", status: String, error: String, numberMasked: String, sub: String, polls: Int, durationMs: Int) {
        self.time = time
        self.txn = txn
        self.uniqueID = uniqueID
        self.channel = channel
        self.callerID = callerID
        self.profile = profile
        self.initiator = initiator
        self.status = status
        self.error = error
        self.numberMasked = numberMasked
        self.sub = sub
        self.polls = polls
        self.durationMs = durationMs
    }

    /// The record as one JSON object on one line, keys in the contract's order.
    public var jsonLine: String {
        let fields: [(String, String)] = [
            ("time", JSONText.string(RFC3339.format(time))),
            ("txn", JSONText.string(txn)),
            ("uniqueid", JSONText.string(uniqueID)),
            ("channel", JSONText.string(channel)),
            ("callerid", JSONText.string(callerID)),
            ("profile", JSONText.string(profile)),
            ("initiator", JSONText.string(initiator)),
            ("status", JSONText.string(status)),
            ("error", JSONText.string(error)),
            ("numberMasked", JSONText.string(numberMasked)),
            ("sub", JSONText.string(sub)),
            ("polls", String(polls)),
            ("durationMs", String(durationMs)),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

/// Minimal JSON text helpers for hand-ordered output.
enum JSONText {
    /// A JSON string literal; escapes quotes, backslashes and control characters so a
    /// record always stays on one line.
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// RFC 3339 timestamps in UTC with milliseconds, e.g. `2026-11-21T22:18:01.123Z`.
public enum RFC3339 {
    public static func format(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(ms / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(ms % 1000))
    }
}
