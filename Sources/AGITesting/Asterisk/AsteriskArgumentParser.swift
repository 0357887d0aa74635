/// Splits a command line into words exactly like Asterisk's `parse_args()` in res_agi.c:
/// space/tab separate words, `"` toggles quoting (and starts a word when it follows
/// whitespace, so `""` is an empty word), `\` makes the next character literal, a quote in
/// the middle of a word does not start a new word (`ab"c d"e` = `abc de`), and an
/// unterminated quote runs to the end of the line.
public enum AsteriskArgumentParser {
    public static func split(_ line: String) -> [String] {
        var words: [[UInt8]] = []
        var quoted = false
        var escaped = false
        var whitespace = true
        for byte in line.utf8 {
            switch byte {
            case UInt8(ascii: "\"") where !escaped:
                quoted.toggle()
                if quoted && whitespace {
                    words.append([])
                    whitespace = false
                }
                escaped = false
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                if !quoted && !escaped {
                    whitespace = true
                } else {
                    append(byte, &words, &whitespace, &escaped)
                }
            case UInt8(ascii: "\\") where !escaped:
                escaped = true
            default:
                append(byte, &words, &whitespace, &escaped)
            }
        }
        return words.map { String(decoding: $0, as: UTF8.self) }
    }

    private static func append(_ byte: UInt8, _ words: inout [[UInt8]], _ whitespace: inout Bool, _ escaped: inout Bool) {
        if whitespace {
            words.append([])
            whitespace = false
        }
        words[words.count - 1].append(byte)
        escaped = false
    }
}
