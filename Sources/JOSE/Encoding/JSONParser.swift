/// A small strict JSON parser (RFC 8259) for untrusted JOSE input.
///
/// Why not `JSONDecoder`: JOSE headers must be parsed so that one byte string has exactly
/// one meaning. This parser rejects duplicate member names (RFC 7515 §4 allows rejecting;
/// accepting "last wins" enables header confusion attacks), invalid UTF-8, lone surrogates,
/// control characters in strings, numbers that overflow `Double`, trailing garbage, and
/// nesting deeper than ``maximumDepth``.
extension JSONValue {
    /// Maximum nesting of arrays/objects accepted by ``parse(_:)``.
    public static let maximumDepth = 64

    /// Parses one JSON value from UTF-8 bytes.
    /// - Throws: ``JOSEError/Kind/malformed`` with a position-free, content-free reason.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> JSONValue {
        do {
            return try StrictJSONParser.parseDocument(Array(bytes))
        } catch {
            throw JOSEError.malformed(error.isEncoding ? error.reason : "invalid JSON: \(error.reason)")
        }
    }

    /// Parses one JSON value from a string (see ``parse(_:)``).
    public static func parse(_ text: String) throws -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// The parser behind ``JSONValue/parse(_:)`` and ``JSONValue/parseLocated(_:)``.
struct StrictJSONParser {
    /// Why parsing stopped and at which byte offset (`reason` never holds input bytes).
    struct Failure: Error {
        var reason: String
        var offset: Int
        /// Invalid UTF-8 (reported without the "invalid JSON" prefix).
        var isEncoding = false
    }

    let input: [UInt8]
    var index = 0

    init(input: [UInt8]) { self.input = input }

    static func parseDocument(_ input: [UInt8]) throws(Failure) -> JSONValue {
        guard String(validating: input, as: UTF8.self) != nil else {
            throw Failure(reason: "JSON is not valid UTF-8", offset: firstInvalidUTF8Offset(input), isEncoding: true)
        }
        var parser = StrictJSONParser(input: input)
        do {
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            guard parser.index == input.count else {
                throw Failure(reason: "trailing characters after JSON value", offset: parser.index)
            }
            return value
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(reason: "unexpected error", offset: parser.index)
        }
    }

    /// The offset of the first byte that does not start a valid UTF-8 sequence.
    static func firstInvalidUTF8Offset(_ input: [UInt8]) -> Int {
        var offset = 0
        var iterator = input.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput, .error: return min(offset, input.count)
            }
        }
    }

    mutating func skipWhitespace() {
        while index < input.count {
            switch input[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func fail(_ reason: String) -> Failure { Failure(reason: reason, offset: min(index, input.count)) }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw fail("nested too deeply") }
        guard index < input.count else { throw fail("unexpected end") }
        switch input[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw fail("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: String) throws {
        for byte in literal.utf8 {
            guard index < input.count, input[index] == byte else { throw fail("bad literal") }
            index += 1
        }
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        index += 1
        var members = [String: JSONValue]()
        skipWhitespace()
        if index < input.count, input[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            if index < input.count, input[index] == UInt8(ascii: "}"), !members.isEmpty { throw fail("trailing comma before '}'") }
            guard index < input.count, input[index] == UInt8(ascii: "\"") else { throw fail("expected member name") }
            let keyStart = index
            let key = try parseString()
            skipWhitespace()
            guard index < input.count, input[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            guard members.updateValue(value, forKey: key) == nil else {
                throw Failure(reason: "duplicate member name", offset: keyStart)
            }
            skipWhitespace()
            guard index < input.count else { throw fail("unexpected end") }
            if input[index] == UInt8(ascii: ",") {
                index += 1
            } else if input[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            } else {
                throw fail("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        index += 1
        var elements = [JSONValue]()
        skipWhitespace()
        if index < input.count, input[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            if index < input.count, input[index] == UInt8(ascii: "]"), !elements.isEmpty { throw fail("trailing comma before ']'") }
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < input.count else { throw fail("unexpected end") }
            if input[index] == UInt8(ascii: ",") {
                index += 1
            } else if input[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            } else {
                throw fail("expected ',' or ']'")
            }
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard index + 4 <= input.count else { throw fail("short unicode escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = input[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("bad unicode escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func parseString() throws -> String {
        index += 1
        var bytes = [UInt8]()
        while true {
            guard index < input.count else { throw fail("unterminated string") }
            let byte = input[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < input.count else { throw fail("unterminated escape") }
                let escape = input[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalarValue = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalarValue) {
                        guard index + 2 <= input.count, input[index] == UInt8(ascii: "\\"),
                              input[index + 1] == UInt8(ascii: "u") else { throw fail("lone surrogate") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw fail("lone surrogate") }
                        scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalarValue) {
                        throw fail("lone surrogate")
                    }
                    guard let scalar = Unicode.Scalar(scalarValue) else { throw fail("bad unicode escape") }
                    bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw fail("bad escape")
                }
            case 0x00..<0x20:
                throw Failure(reason: "control character in string", offset: index - 1)
            default:
                bytes.append(byte)
            }
        }
    }

    private mutating func parseNumber() throws -> Double {
        let start = index
        if input[index] == UInt8(ascii: "-") { index += 1 }
        guard index < input.count else { throw fail("bad number") }
        if input[index] == UInt8(ascii: "0") {
            index += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(input[index]) {
            while index < input.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(input[index]) { index += 1 }
        } else {
            throw fail("bad number")
        }
        if index < input.count, input[index] == UInt8(ascii: ".") {
            index += 1
            let digitsStart = index
            while index < input.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(input[index]) { index += 1 }
            guard index > digitsStart else { throw fail("bad number") }
        }
        if index < input.count, input[index] == UInt8(ascii: "e") || input[index] == UInt8(ascii: "E") {
            index += 1
            if index < input.count, input[index] == UInt8(ascii: "+") || input[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < input.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(input[index]) { index += 1 }
            guard index > digitsStart else { throw fail("bad number") }
        }
        guard let value = Double(String(decoding: input[start..<index], as: UTF8.self)), value.isFinite else {
            throw fail("number out of range")
        }
        return value
    }
}
