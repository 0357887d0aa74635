/// Turns the lines Asterisk sends after a command into that command's reply.
///
/// Skips unsolicited `HANGUP` lines and the intermediate `100 result=0 Trying...`;
/// collects a multi-line `520-` reply until the line starting with `520 `.
public struct AGIReplyAssembler: Sendable {
    public enum Step: Sendable, Equatable {
        /// The line was consumed; the reply is not complete yet.
        case needMore
        /// A `HANGUP` line: the channel hung up (the reply is still to come).
        case hangup
        /// The complete reply (or a protocol error).
        case reply(Result<AGIResponse, AGIError>)
    }

    private var usageStart: String?
    private var usage: [String] = []

    public init() {}

    public mutating func consume(_ rawLine: Substring) -> Step {
        var line = rawLine
        return line.withUTF8 { consume(line: $0) }
    }

    /// Feeds the raw bytes of one line (without its `\n`), as `AGILineSplitter.appendBytes`
    /// delivers them. Prefixes are compared on bytes and the common `200 result=` forms are
    /// parsed without decoding the line (see `AGIResponse.parse(bytes:)`).
    public mutating func consume(bytes: ArraySlice<UInt8>) -> Step {
        bytes.withUnsafeBufferPointer { consume(line: $0) }
    }

    private mutating func consume(line raw: UnsafeBufferPointer<UInt8>) -> Step {
        var line = raw
        if let last = line.last, last == UInt8(ascii: "\r") { line = UnsafeBufferPointer(rebasing: line.dropLast()) }
        if let first = usageStart {
            if Self.starts(line, Self.usageEnd) {
                let response = AGIResponse(code: 520, usage: usage, line: first)
                usageStart = nil
                usage = []
                return .reply(.success(response))
            }
            usage.append(String(decoding: line, as: UTF8.self))
            return .needMore
        }
        if line.elementsEqual(Self.hangupLine) { return .hangup }
        if Self.starts(line, Self.usageStart) {
            usageStart = String(decoding: line, as: UTF8.self)
            return .needMore
        }
        if Self.starts(line, Self.trying) || Self.starts(line, Self.tryingMultiline) { return .needMore }
        do {
            return .reply(.success(try AGIResponse.parse(bytes: line)))
        } catch {
            return .reply(.failure(error))
        }
    }

    private static let hangupLine: [UInt8] = Array("HANGUP".utf8)
    private static let usageStart: [UInt8] = Array("520-".utf8)
    private static let usageEnd: [UInt8] = Array("520 ".utf8)
    private static let trying: [UInt8] = Array("100 ".utf8)
    private static let tryingMultiline: [UInt8] = Array("100-".utf8)

    private static func starts(_ line: UnsafeBufferPointer<UInt8>, _ prefix: [UInt8]) -> Bool {
        guard line.count >= prefix.count else { return false }
        for index in 0..<prefix.count where line[index] != prefix[index] { return false }
        return true
    }

    /// Parses a complete reply given as lines (for tests and tools); HANGUP lines are skipped.
    public static func parse(lines: [String]) throws(AGIError) -> AGIResponse {
        var assembler = AGIReplyAssembler()
        for line in lines {
            if case .reply(let result) = assembler.consume(Substring(line)) { return try result.get() }
        }
        throw AGIError(.protocolViolation, "reply incomplete")
    }
}
