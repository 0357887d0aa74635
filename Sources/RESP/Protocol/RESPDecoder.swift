/// Incremental RESP decoder: feed it bytes as they arrive, take complete values out.
///
/// Bytes in, values or a clear error out: it never traps on peer input, checks every announced
/// length and count against `RESPLimits` before waiting for the bytes, never reserves memory
/// for a count the peer merely announced, and recurses at most `maximumDepth` levels. After an
/// error the stream cannot be resynchronised, so every later `next()` throws the same error
/// (the connection must be closed).
///
/// A value split across reads resumes where the last read ended: the aggregates opened and not
/// yet complete are kept (`open`, with the elements they have so far) and parsing continues at
/// `resume`, so a value is parsed once however the bytes arrive. (It used to be parsed again
/// from its first byte on every read: a 4 KB nested reply arriving a few bytes at a time cost
/// 50 ms, quadratic in its size; found by the resp fuzz target's rate falling below 1,000/s.)
public struct RESPDecoder: Sendable {
    public let limits: RESPLimits
    private var buffer: [UInt8] = []
    /// The first byte of the value being decoded: `buffer[..<start]` is consumed.
    private var start = 0
    /// Where parsing continues: `start` when no aggregate is open, else just past the last
    /// complete element of the innermost open aggregate. Invariant: `start <= resume`.
    private var resume = 0
    /// Aggregates begun and not yet complete, outermost first; empty between values.
    private var open: [OpenAggregate] = []
    private var failure: RESPProtocolError?

    /// An aggregate whose header has been read and whose elements are still arriving.
    private struct OpenAggregate: Sendable {
        var type: UInt8
        var remaining: Int
        var items: [RESPValue]

        var value: RESPValue {
            switch type {
            case UInt8(ascii: "~"): .set(items)
            case UInt8(ascii: ">"): .push(items)
            case UInt8(ascii: "%"): .map(items)
            default: .array(items)
            }
        }
    }

    /// What one step of parsing read: a whole value, or the header of a non-empty aggregate.
    private enum Element {
        case value(RESPValue)
        case aggregate(type: UInt8, count: Int)
    }

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
        do {
            while true {
                var cursor = resume
                guard let element = try element(&cursor, depth: open.count) else {
                    compact()
                    return nil
                }
                resume = cursor
                var value: RESPValue
                switch element {
                case .aggregate(let type, let count):
                    // Every element takes at least 3 bytes, so the bytes present bound the allocation.
                    var items: [RESPValue] = []
                    items.reserveCapacity(min(count, max(0, buffer.count - cursor) / 3))
                    open.append(OpenAggregate(type: type, remaining: count, items: items))
                    continue
                case .value(let complete):
                    value = complete
                }
                // A complete value completes the aggregates it fills up, innermost first.
                while let last = open.indices.last {
                    open[last].items.append(value)
                    open[last].remaining -= 1
                    guard open[last].remaining == 0 else { break }
                    value = open.removeLast().value
                }
                if open.isEmpty {
                    start = resume
                    compact()
                    return value
                }
            }
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
            resume = 0
            start = 0
        } else if start > 4096 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            resume -= start
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

    /// Parses one element at `cursor`, advancing it past what was read: a whole scalar, a bulk
    /// string, an empty aggregate or a null, or the header of a non-empty aggregate (its elements
    /// follow, at `depth + 1`). Nil = incomplete, with `cursor` unchanged.
    private func element(_ cursor: inout Int, depth: Int) throws(RESPProtocolError) -> Element? {
        guard cursor < buffer.count else { return nil }
        let typeAt = cursor
        let type = buffer[cursor]
        let lineStart = cursor + 1
        guard let end = try lineEnd(from: lineStart) else { return nil }
        let afterLine = end + 2
        switch type {
        case UInt8(ascii: "+"):
            cursor = afterLine
            return .value(.simpleString(text(lineStart, end)))
        case UInt8(ascii: "-"):
            cursor = afterLine
            return .value(.error(text(lineStart, end)))
        case UInt8(ascii: ":"):
            let value = try integer(lineStart, end)
            cursor = afterLine
            return .value(.integer(value))
        case UInt8(ascii: "_"):
            guard end == lineStart else { throw error(.malformed, "null with content", at: typeAt) }
            cursor = afterLine
            return .value(.null)
        case UInt8(ascii: "#"):
            guard end == lineStart + 1, buffer[lineStart] == UInt8(ascii: "t") || buffer[lineStart] == UInt8(ascii: "f") else {
                throw error(.malformed, "boolean is neither t nor f", at: typeAt)
            }
            cursor = afterLine
            return .value(.boolean(buffer[lineStart] == UInt8(ascii: "t")))
        case UInt8(ascii: ","):
            let literal = text(lineStart, end)
            guard let value = Double(literal), !literal.isEmpty, literal.allSatisfy({ "0123456789+-.eEinfa".contains($0) }) else {
                throw error(.malformed, "not a double", at: typeAt)
            }
            cursor = afterLine
            return .value(.double(value))
        case UInt8(ascii: "("):
            let digits = buffer[lineStart..<end]
            let body = digits.first == UInt8(ascii: "-") ? digits.dropFirst() : digits[...]
            guard !body.isEmpty, body.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw error(.malformed, "not a big number", at: typeAt)
            }
            cursor = afterLine
            return .value(.bigNumber(text(lineStart, end)))
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            let length = try integer(lineStart, end)
            if length == -1 && type == UInt8(ascii: "$") {
                cursor = afterLine
                return .value(.null)
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
                return .value(.error(text(afterLine, payloadEnd)))
            case UInt8(ascii: "="):
                guard length >= 4, buffer[afterLine + 3] == UInt8(ascii: ":") else {
                    throw error(.malformed, "verbatim string without format", at: typeAt)
                }
                return .value(.bulkString(Array(buffer[(afterLine + 4)..<payloadEnd])))
            default:
                return .value(.bulkString(Array(buffer[afterLine..<payloadEnd])))
            }
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"):
            let announced = try integer(lineStart, end)
            if announced == -1 && type == UInt8(ascii: "*") {
                cursor = afterLine
                return .value(.null)
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
            cursor = afterLine
            if count == 0 { return .value(OpenAggregate(type: type, remaining: 0, items: []).value) }
            return .aggregate(type: type, count: count)
        case UInt8(ascii: "|"):
            throw error(.malformed, "RESP3 attributes are not supported", at: typeAt)
        default:
            throw error(.malformed, "unknown type byte \(type)", at: typeAt)
        }
    }
}
