/// Writes RESP: commands as arrays of bulk strings (what a client sends) and any value (what a
/// server sends; used by tests and the fuzz round trip).
public enum RESPEncoder {
    /// `*N\r\n$len\r\narg\r\n...` for one command.
    public static func append(_ command: RedisCommand, to out: inout [UInt8]) {
        appendHeader(UInt8(ascii: "*"), command.arguments.count, to: &out)
        for argument in command.arguments {
            appendHeader(UInt8(ascii: "$"), argument.count, to: &out)
            out.append(contentsOf: argument)
            out.append(13); out.append(10)
        }
    }

    /// The bytes of several commands back to back (a pipeline).
    public static func encode(_ commands: [RedisCommand]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(commands.reduce(0) { $0 + $1.encodedSizeEstimate })
        for command in commands { append(command, to: &out) }
        return out
    }

    /// Any value, as a server would send it. Simple strings and errors must not contain CR or LF.
    public static func encode(_ value: RESPValue) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out)
        return out
    }

    public static func append(_ value: RESPValue, to out: inout [UInt8]) {
        switch value {
        case .simpleString(let text): appendLine(UInt8(ascii: "+"), text, to: &out)
        case .error(let text): appendLine(UInt8(ascii: "-"), text, to: &out)
        case .integer(let n): appendLine(UInt8(ascii: ":"), String(n), to: &out)
        case .bulkString(let bytes):
            appendHeader(UInt8(ascii: "$"), bytes.count, to: &out)
            out.append(contentsOf: bytes)
            out.append(13); out.append(10)
        case .null: out.append(contentsOf: Array("$-1\r\n".utf8))
        case .double(let d): appendLine(UInt8(ascii: ","), d.isNaN ? "nan" : d.isInfinite ? (d < 0 ? "-inf" : "inf") : String(d), to: &out)
        case .boolean(let b): appendLine(UInt8(ascii: "#"), b ? "t" : "f", to: &out)
        case .bigNumber(let text): appendLine(UInt8(ascii: "("), text, to: &out)
        case .array(let items): appendAggregate(UInt8(ascii: "*"), items, count: items.count, to: &out)
        case .set(let items): appendAggregate(UInt8(ascii: "~"), items, count: items.count, to: &out)
        case .push(let items): appendAggregate(UInt8(ascii: ">"), items, count: items.count, to: &out)
        case .map(let items): appendAggregate(UInt8(ascii: "%"), items, count: items.count / 2, to: &out)
        }
    }

    private static func appendAggregate(_ type: UInt8, _ items: [RESPValue], count: Int, to out: inout [UInt8]) {
        appendHeader(type, count, to: &out)
        for item in items { append(item, to: &out) }
    }

    private static func appendLine(_ type: UInt8, _ text: String, to out: inout [UInt8]) {
        out.append(type)
        out.append(contentsOf: text.utf8)
        out.append(13); out.append(10)
    }

    private static func appendHeader(_ type: UInt8, _ count: Int, to out: inout [UInt8]) {
        out.append(type)
        out.append(contentsOf: String(count).utf8)
        out.append(13); out.append(10)
    }
}

/// One command: its arguments as bytes. `name` (the first argument) is all that ever appears in
/// an error message or log line; arguments can be keys, values or a password.
public struct RedisCommand: Sendable, Equatable {
    public var arguments: [[UInt8]]

    public init(_ name: String, _ arguments: [String] = []) {
        self.arguments = [Array(name.utf8)] + arguments.map { Array($0.utf8) }
    }

    public init(_ name: String, bytes: [[UInt8]]) {
        self.arguments = [Array(name.utf8)] + bytes
    }

    /// The command name in upper case (`EVALSHA`), for errors and metrics.
    public var name: String { arguments.first.map { String(decoding: $0, as: UTF8.self).uppercased() } ?? "" }

    var encodedSizeEstimate: Int { arguments.reduce(16) { $0 + $1.count + 16 } }
}
