/// Incremental RESP decoder: feed it bytes as they arrive, take complete values out.
///
/// Bytes in, values or a clear error out: it never traps on peer input, checks every announced
/// length and count against `RESPLimits` before waiting for the bytes, never reserves memory
/// for a count the peer merely announced, and recurses at most `maximumDepth` levels. After an
/// error the stream cannot be resynchronised, so every later `next()` throws the same error
/// (the connection must be closed).
///
/// A value split across reads is parsed again from its first byte when more arrives; replies
/// of this client are small, so that costs less than keeping a resumable parse state.
public struct RESPDecoder: Sendable {
    public let limits: RESPLimits
    private var buffer: [UInt8] = []
    private var start = 0
    private var failure: RESPProtocolError?

    public init(limits: RESPLimits = RESPLimits()) {
        self.limits = limits
    }

    /// Adds bytes received from the peer.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received but not yet consumed by a complete value.
    public var bufferedByteCount: Int { buffer.count - start }

    /// The next complete value, or nil when more bytes are needed.
    public mutating func next() throws(RESPProtocolError) -> RESPValue? {
        if let failure { throw failure }
        var cursor = start
        do {
            guard let value = try parse(&cursor, depth: 0) else {
                compact()
                return nil
            }
            start = cursor
            compact()
            return value
        } catch {
            failure = error
            throw error
        }
    }

    /// Decodes every complete value in `bytes`; also returns how many trailing bytes were an
    /// incomplete value. For tests and fuzzing: the same code path as the connection's.
    public static func decodeAll(_ bytes: [UInt8], limits: RESPLimits = RESPLimits()) throws(RESPProtocolError) -> (values: [RESPValue], incompleteBytes: Int) {
        var decoder = RESPDecoder(limits: limits)
        decoder.append(bytes)
        var values: [RESPValue] = []
        while let value = try decoder.next() { values.append(value) }
        return (values, decoder.bufferedByteCount)
    }

    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 16)
            start = 0
        } else if start > 4096 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
    }

    private static let cr: UInt8 = 13
    private static let lf: UInt8 = 10

    private func error(_ kind: RESPProtocolError.Kind, _ reason: String, at position: Int) -> RESPProtocolError {
        RESPProtocolError(kind, reason, offset: position - start)
    }

    /// The index of the CR of the CRLF ending the line that starts at `from`; nil if it has
    /// not arrived yet. A bare CR or LF inside a line is malformed.
    private func lineEnd(from: Int) throws(RESPProtocolError) -> Int? {
        var i = from
        let count = buffer.count
        while i < count {
            if i - from > limits.maximumLineLength {
                throw error(.tooLarge, "line longer than \(limits.maximumLineLength) bytes", at: from)
            }
            let byte = buffer[i]
            if byte == Self.lf { throw error(.malformed, "line feed without carriage return", at: i) }
            if byte == Self.cr {
                guard i + 1 < count else { return nil }
                guard buffer[i + 1] == Self.lf else { throw error(.malformed, "carriage return without line feed", at: i) }
                return i
            }
            i += 1
        }
        if count - from > limits.maximumLineLength {
            throw error(.tooLarge, "line longer than \(limits.maximumLineLength) bytes", at: from)
        }
        return nil
    }

    /// A strict decimal: optional '-', 1 to 19 digits, within Int64.
    private func integer(_ from: Int, _ end: Int) throws(RESPProtocolError) -> Int64 {
        var i = from
        var negative = false
        if i < end && buffer[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < end, end - i <= 19 else { throw error(.malformed, "not a number", at: from) }
        var value: Int64 = 0
        while i < end {
            let byte = buffer[i]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw error(.malformed, "not a number", at: from) }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = negative ? times.subtractingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                                     : times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if o1 || o2 { throw error(.malformed, "number out of range", at: from) }
            value = sum
            i += 1
        }
        return value
    }

    private func text(_ from: Int, _ end: Int) -> String {
        String(decoding: buffer[from..<end], as: UTF8.self)
    }

    /// Parses one value at `cursor`, advancing it past the value; nil = incomplete.
    private func parse(_ cursor: inout Int, depth: Int) throws(RESPProtocolError) -> RESPValue? {
        guard cursor < buffer.count else { return nil }
        let typeAt = cursor
        let type = buffer[cursor]
        let lineStart = cursor + 1
        guard let end = try lineEnd(from: lineStart) else { return nil }
        let afterLine = end + 2
        switch type {
        case UInt8(ascii: "+"):
            cursor = afterLine
            return .simpleString(text(lineStart, end))
        case UInt8(ascii: "-"):
            cursor = afterLine
            return .error(text(lineStart, end))
        case UInt8(ascii: ":"):
            let value = try integer(lineStart, end)
            cursor = afterLine
            return .integer(value)
        case UInt8(ascii: "_"):
            guard end == lineStart else { throw error(.malformed, "null with content", at: typeAt) }
            cursor = afterLine
            return .null
        case UInt8(ascii: "#"):
            guard end == lineStart + 1, buffer[lineStart] == UInt8(ascii: "t") || buffer[lineStart] == UInt8(ascii: "f") else {
                throw error(.malformed, "boolean is neither t nor f", at: typeAt)
            }
            cursor = afterLine
            return .boolean(buffer[lineStart] == UInt8(ascii: "t"))
        case UInt8(ascii: ","):
            let literal = text(lineStart, end)
            guard let value = Double(literal), !literal.isEmpty, literal.allSatisfy({ "0123456789+-.eEinfa".contains($0) }) else {
                throw error(.malformed, "not a double", at: typeAt)
            }
            cursor = afterLine
            return .double(value)
        case UInt8(ascii: "("):
            let digits = buffer[lineStart..<end]
            let body = digits.first == UInt8(ascii: "-") ? digits.dropFirst() : digits[...]
            guard !body.isEmpty, body.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw error(.malformed, "not a big number", at: typeAt)
            }
            cursor = afterLine
            return .bigNumber(text(lineStart, end))
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            let length = try integer(lineStart, end)
            if length == -1 && type == UInt8(ascii: "$") {
                cursor = afterLine
                return .null
            }
            guard length >= 0 else { throw error(.malformed, "negative length", at: typeAt) }
            guard length <= Int64(limits.maximumBulkLength) else {
                throw error(.tooLarge, "bulk string of \(length) bytes exceeds \(limits.maximumBulkLength)", at: typeAt)
            }
            let payloadEnd = afterLine + Int(length)
            guard buffer.count >= payloadEnd + 2 else { return nil }
            guard buffer[payloadEnd] == Self.cr, buffer[payloadEnd + 1] == Self.lf else {
                throw error(.malformed, "bulk string not followed by CRLF", at: payloadEnd)
            }
            cursor = payloadEnd + 2
            switch type {
            case UInt8(ascii: "!"):
                return .error(text(afterLine, payloadEnd))
            case UInt8(ascii: "="):
                guard length >= 4, buffer[afterLine + 3] == UInt8(ascii: ":") else {
                    throw error(.malformed, "verbatim string without format", at: typeAt)
                }
                return .bulkString(Array(buffer[(afterLine + 4)..<payloadEnd]))
            default:
                return .bulkString(Array(buffer[afterLine..<payloadEnd]))
            }
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"):
            let announced = try integer(lineStart, end)
            if announced == -1 && type == UInt8(ascii: "*") {
                cursor = afterLine
                return .null
            }
            guard announced >= 0 else { throw error(.malformed, "negative count", at: typeAt) }
            let isMap = type == UInt8(ascii: "%")
            let limit = Int64(isMap ? limits.maximumElementCount / 2 : limits.maximumElementCount)
            guard announced <= limit else {
                throw error(.tooLarge, "aggregate of \(announced) elements exceeds \(limit)", at: typeAt)
            }
            guard depth < limits.maximumDepth else {
                throw error(.tooDeep, "aggregates nested deeper than \(limits.maximumDepth)", at: typeAt)
            }
            let count = Int(announced) * (isMap ? 2 : 1)
            var position = afterLine
            var items: [RESPValue] = []
            // Every element takes at least 3 bytes, so the bytes present bound the allocation.
            items.reserveCapacity(min(count, max(0, buffer.count - position) / 3))
            for _ in 0..<count {
                guard let item = try parse(&position, depth: depth + 1) else { return nil }
                items.append(item)
            }
            cursor = position
            switch type {
            case UInt8(ascii: "~"): return .set(items)
            case UInt8(ascii: ">"): return .push(items)
            case UInt8(ascii: "%"): return .map(items)
            default: return .array(items)
            }
        case UInt8(ascii: "|"):
            throw error(.malformed, "RESP3 attributes are not supported", at: typeAt)
        default:
            throw error(.malformed, "unknown type byte \(type)", at: typeAt)
        }
    }
}
