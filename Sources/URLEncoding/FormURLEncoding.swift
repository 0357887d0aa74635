/// `application/x-www-form-urlencoded` and percent-encoding, as the WHATWG URL
/// standard and RFC 6749 (appendix B) define them. The one implementation shared by the AGI
/// query parser, the HTTP server and the CIBA client.
///
/// Decoding is lenient in the way browsers are: a `%` not followed by two hex digits
/// stays literal, and bytes that are not valid UTF-8 become U+FFFD. It never fails,
/// so hostile input cannot crash or reject a whole request by itself.
public enum FormURLEncoding {
    /// Splits `a=1&b=two+words&c=%C3%A5` into decoded pairs, in order. `+` is a space.
    /// Empty segments (`a=1&&b=2`) are skipped; a segment without `=` has an empty value.
    public static func decode(_ text: String) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for segment in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = segment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecode(parts[0], plusIsSpace: true)
            let value = parts.count > 1 ? percentDecode(parts[1], plusIsSpace: true) : ""
            pairs.append((name, value))
        }
        return pairs
    }

    /// Decodes `%XX` escapes (and `+` as space when `plusIsSpace`, as in form bodies
    /// and query strings; never in paths).
    public static func percentDecode(_ text: some StringProtocol, plusIsSpace: Bool) -> String {
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            let byte = input[i]
            if byte == UInt8(ascii: "%"), i + 2 < input.count,
                let high = hexValue(input[i + 1]), let low = hexValue(input[i + 2])
            {
                bytes.append(high << 4 | low)
                i += 3
            } else {
                bytes.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes pairs as a form body, in order: `name=value&name=value`.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(encodeComponent($0.0))=\(encodeComponent($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes one name or value: everything except RFC 3986's unreserved characters
    /// (`A-Z a-z 0-9 - . _ ~`) becomes `%XX` of its UTF-8 bytes, the space included (`%20`,
    /// which form decoders and plain percent decoders both read back as a space), so a `+` in a
    /// value always arrives as `+`. RFC 6749 §2.3.1 applies this encoding to the client id and
    /// secret before HTTP Basic.
    public static func encodeComponent(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out.append("%")
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    private static let hexDigits: [Character] = Array("0123456789ABCDEF")

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
