/// The byte-level fast path for the replies a session sees all the time.
///
/// `200 result=<token>` with nothing after it, ` (data)`, ` (timeout)` or ` endpos=N` is
/// parsed straight from the bytes: no line String is decoded and searched, no Foundation
/// `range(of:)`. Every other line (another status code, non-ASCII bytes, text before the
/// `(`) goes to the general `parse(_:)`, so the two always agree: `AGIResponseBytesTests`
/// compares them line by line.
extension AGIResponse {
    /// Parses one reply line given as raw bytes (without `\n`; a trailing `\r` is already removed).
    public static func parse(bytes line: UnsafeBufferPointer<UInt8>) throws(AGIError) -> AGIResponse {
        if let response = parseCommonReply(line) { return response }
        return try parse(Substring(String(decoding: line, as: UTF8.self)))
    }

    /// `nil` when the line is not one of the common forms; the caller then uses `parse(_:)`.
    static func parseCommonReply(_ line: UnsafeBufferPointer<UInt8>) -> AGIResponse? {
        let count = line.count
        guard count >= prefix200Result.count else { return nil }
        for index in 0..<prefix200Result.count where line[index] != prefix200Result[index] { return nil }
        // Only ASCII: there bytes and Characters are the same thing (no `\n` on a line, so no
        // CR-LF cluster), which keeps this path byte-for-byte equal to the general parser.
        for byte in line where byte >= 0x80 { return nil }

        var resultEnd = prefix200Result.count
        while resultEnd < count && line[resultEnd] != space { resultEnd += 1 }
        var response = AGIResponse(
            code: 200, result: text(line, prefix200Result.count, resultEnd), line: text(line, 0, count))
        let tailStart = resultEnd < count ? resultEnd + 1 : count
        guard tailStart < count else { return response }

        // Data: from the first `(` to the LAST `)` of the tail.
        var open = tailStart
        while open < count && line[open] != openParen { open += 1 }
        var close = count - 1
        while close > open && line[close] != closeParen { close -= 1 }
        var endposFrom = tailStart
        if open < count && close > open {
            // Text before the `(` would be searched for `endpos=` together with the text after
            // the `)`: rare enough to leave to the general parser.
            guard open == tailStart else { return nil }
            response.data = text(line, open + 1, close)
            response.timedOut = matches(line, from: tailStart, to: count, timeoutData)
            endposFrom = close + 1
        }
        if let key = firstOccurrence(of: endposKey, in: line, from: endposFrom) {
            var digitsEnd = key + endposKey.count
            while digitsEnd < count, line[digitsEnd] == minus || (line[digitsEnd] >= digit0 && line[digitsEnd] <= digit9) {
                digitsEnd += 1
            }
            response.endpos = integer(line, key + endposKey.count, digitsEnd)
        }
        return response
    }

    private static let prefix200Result: [UInt8] = Array("200 result=".utf8)
    private static let endposKey: [UInt8] = Array("endpos=".utf8)
    private static let timeoutData: [UInt8] = Array("(timeout)".utf8)
    private static let space = UInt8(ascii: " "), minus = UInt8(ascii: "-")
    private static let openParen = UInt8(ascii: "("), closeParen = UInt8(ascii: ")")
    private static let digit0 = UInt8(ascii: "0"), digit9 = UInt8(ascii: "9")

    private static func text(_ line: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: line[from..<to]), as: UTF8.self)
    }

    private static func matches(_ line: UnsafeBufferPointer<UInt8>, from: Int, to: Int, _ expected: [UInt8]) -> Bool {
        guard to - from == expected.count else { return false }
        for index in 0..<expected.count where line[from + index] != expected[index] { return false }
        return true
    }

    private static func firstOccurrence(of needle: [UInt8], in line: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard line.count - from >= needle.count else { return nil }
        var start = from
        while start + needle.count <= line.count {
            if line[start] == needle[0] && matches(line, from: start, to: start + needle.count, needle) { return start }
            start += 1
        }
        return nil
    }

    /// Exactly `Int(String)` on text made of `-` and digits: an optional leading `-`, at least
    /// one digit, no overflow; anything else is `nil`.
    private static func integer(_ line: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
        var index = from
        let negative = index < to && line[index] == minus
        if negative { index += 1 }
        guard index < to else { return nil }
        var value = 0
        while index < to {
            let byte = line[index]
            guard byte >= digit0 && byte <= digit9 else { return nil }
            let digit = Int(byte - digit0)
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative
                ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow1 && !overflow2 else { return nil }
            value = next
            index += 1
        }
        return value
    }
}
