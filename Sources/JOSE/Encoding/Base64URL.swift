/// Strict base64url without padding (RFC 4648 §5, as JOSE uses it: RFC 7515 §2).
///
/// Decoding is deliberately unforgiving, because a lenient decoder lets one token have
/// several spellings (signature malleability) and hides bugs:
/// - padding `=` is rejected,
/// - any character outside `A–Z a–z 0–9 - _` (including whitespace and `+`/`/`) is rejected,
/// - a length of 4k+1 characters is impossible and rejected,
/// - non-zero bits in the unused tail of the last character (non-canonical spelling) are rejected.
public enum Base64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Reverse table: 0xFF marks a byte that is not in the alphabet.
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, symbol) in alphabet.enumerated() { table[Int(symbol)] = UInt8(index) }
        return table
    }()

    /// Encodes bytes as base64url without padding.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        var output = [UInt8]()
        output.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output.append(alphabet[Int(chunk >> 18 & 0x3F)])
            output.append(alphabet[Int(chunk >> 12 & 0x3F)])
            output.append(alphabet[Int(chunk >> 6 & 0x3F)])
            output.append(alphabet[Int(chunk & 0x3F)])
            index += 3
        }
        switch input.count - index {
        case 1:
            let chunk = UInt32(input[index]) << 16
            output.append(alphabet[Int(chunk >> 18 & 0x3F)])
            output.append(alphabet[Int(chunk >> 12 & 0x3F)])
        case 2:
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            output.append(alphabet[Int(chunk >> 18 & 0x3F)])
            output.append(alphabet[Int(chunk >> 12 & 0x3F)])
            output.append(alphabet[Int(chunk >> 6 & 0x3F)])
        default:
            break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes strict unpadded base64url.
    /// - Throws: ``JOSEError/Kind/malformed`` for padding, foreign characters, impossible
    ///   lengths or non-canonical trailing bits. The reason never echoes the input.
    public static func decode(_ text: String) throws -> [UInt8] {
        try decode(utf8: Array(text.utf8))
    }

    /// Decodes strict unpadded base64url from raw UTF-8 bytes (see ``decode(_:)``).
    public static func decode(utf8 input: some Collection<UInt8>) throws -> [UInt8] {
        var values = [UInt8]()
        values.reserveCapacity(input.count)
        for symbol in input {
            if symbol == UInt8(ascii: "=") {
                throw JOSEError.malformed("base64url must not be padded")
            }
            let value = reverse[Int(symbol)]
            if value == 0xFF {
                throw JOSEError.malformed("character outside the base64url alphabet")
            }
            values.append(value)
        }
        let remainder = values.count % 4
        if remainder == 1 {
            throw JOSEError.malformed("impossible base64url length")
        }
        var output = [UInt8]()
        output.reserveCapacity(values.count * 3 / 4)
        var index = 0
        while index + 4 <= values.count {
            let chunk = UInt32(values[index]) << 18 | UInt32(values[index + 1]) << 12
                | UInt32(values[index + 2]) << 6 | UInt32(values[index + 3])
            output.append(UInt8(chunk >> 16 & 0xFF))
            output.append(UInt8(chunk >> 8 & 0xFF))
            output.append(UInt8(chunk & 0xFF))
            index += 4
        }
        if remainder == 2 {
            if values[index + 1] & 0x0F != 0 {
                throw JOSEError.malformed("non-canonical base64url (trailing bits set)")
            }
            output.append(values[index] << 2 | values[index + 1] >> 4)
        } else if remainder == 3 {
            if values[index + 2] & 0x03 != 0 {
                throw JOSEError.malformed("non-canonical base64url (trailing bits set)")
            }
            output.append(values[index] << 2 | values[index + 1] >> 4)
            output.append((values[index + 1] & 0x0F) << 4 | values[index + 2] >> 2)
        }
        return output
    }
}
