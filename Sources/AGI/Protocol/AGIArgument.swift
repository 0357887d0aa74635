/// One word of a command line and how to write it.
///
/// Asterisk splits a command line on spaces and tabs; `"` opens/closes a quoted section and
/// `\` makes the next character literal (see the fixtures README, "Argument quoting").
public struct AGIArgument: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public enum Style: Sendable, Equatable {
        /// Bare when that is safe (non-empty, no space, tab, `"` or `\`), else quoted.
        case automatic
        /// Always `"..."` with `\` and `"` escaped: exactly `value` reaches Asterisk.
        case quoted
        /// Sent as is (still checked for `\n`, `\r`, NUL). For reproducing odd lines only.
        case raw
    }

    public var value: String
    public var style: Style

    public init(_ value: String, style: Style = .automatic) {
        self.value = value
        self.style = style
    }

    public static func quoted(_ value: String) -> AGIArgument { AGIArgument(value, style: .quoted) }
    public static func raw(_ value: String) -> AGIArgument { AGIArgument(value, style: .raw) }
    public static func number(_ value: Int) -> AGIArgument { AGIArgument(String(value)) }

    public init(stringLiteral value: String) { self.init(value) }
    public init(integerLiteral value: Int) { self.init(String(value)) }

    /// The word as it goes on the line.
    public var encoded: String {
        switch style {
        case .raw: return value
        case .automatic where AGIArgument.isSafeBare(value): return value
        case .automatic, .quoted:
            var out = "\""
            for scalar in value.unicodeScalars {
                if scalar == "\\" || scalar == "\"" { out.unicodeScalars.append("\\") }
                out.unicodeScalars.append(scalar)
            }
            out.unicodeScalars.append("\"")
            return out
        }
    }

    /// Appends `encoded` as UTF-8 (escaping on bytes is the same as on scalars: `\\` and
    /// `"` are ASCII and never part of a multi-byte sequence).
    func appendEncoded(to bytes: inout [UInt8]) {
        switch style {
        case .raw:
            bytes.append(contentsOf: value.utf8)
        case .automatic where AGIArgument.isSafeBare(value):
            bytes.append(contentsOf: value.utf8)
        case .automatic, .quoted:
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// True when Asterisk reads `value` back unchanged without quotes.
    public static func isSafeBare(_ value: String) -> Bool {
        guard !value.isEmpty else { return false }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\""), UInt8(ascii: "\\"): return false
            default: continue
            }
        }
        return true
    }

    /// `\n`, `\r` and NUL end or break a line: such a value can never be sent.
    var hasLineBreakingCharacter: Bool {
        value.utf8.contains { $0 == 0x0A || $0 == 0x0D || $0 == 0x00 }
    }
}
