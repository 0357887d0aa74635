/// One value of the Redis serialization protocol (RESP2, plus the RESP3 types a server may send).
///
/// Strings the server sends as simple strings or errors are decoded as UTF-8 (invalid bytes
/// become U+FFFD); bulk strings stay bytes, because they hold whatever the client stored.
public indirect enum RESPValue: Sendable, Hashable {
    /// `+OK`
    case simpleString(String)
    /// `-ERR ...` (and RESP3 `!` blob errors): the server refused this one command.
    case error(String)
    /// `:42`
    case integer(Int64)
    /// `$5 hello` (and RESP3 `=` verbatim strings, without their format prefix).
    case bulkString([UInt8])
    /// `$-1`, `*-1` or RESP3 `_`.
    case null
    /// `*2 ...`
    case array([RESPValue])
    /// RESP3 `,3.14`
    case double(Double)
    /// RESP3 `#t` / `#f`
    case boolean(Bool)
    /// RESP3 `(` big number, kept as its decimal text.
    case bigNumber(String)
    /// RESP3 `%`: keys and values alternating (key, value, key, value ...).
    case map([RESPValue])
    /// RESP3 `~`
    case set([RESPValue])
    /// RESP3 `>` out-of-band push (pub/sub messages under HELLO 3).
    case push([RESPValue])

    /// The bytes of a bulk or simple string; nil for anything else.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes): bytes
        case .simpleString(let text): Array(text.utf8)
        default: nil
        }
    }

    /// A bulk or simple string as UTF-8 text; nil for anything else.
    public var string: String? {
        switch self {
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        case .simpleString(let text): text
        default: nil
        }
    }

    /// The elements of an array, set or push; nil for anything else.
    public var elements: [RESPValue]? {
        switch self {
        case .array(let items), .set(let items), .push(let items): items
        default: nil
        }
    }

    /// Short type name for error messages (never the value: it may be personal data).
    public var typeName: String {
        switch self {
        case .simpleString: "simple string"
        case .error: "error"
        case .integer: "integer"
        case .bulkString: "bulk string"
        case .null: "null"
        case .array: "array"
        case .double: "double"
        case .boolean: "boolean"
        case .bigNumber: "big number"
        case .map: "map"
        case .set: "set"
        case .push: "push"
        }
    }
}
