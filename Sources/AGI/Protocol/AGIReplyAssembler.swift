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
        if line.hasSuffix("\r") { line = line.dropLast() }
        if let first = usageStart {
            if line.hasPrefix("520 ") {
                let response = AGIResponse(code: 520, usage: usage, line: first)
                usageStart = nil
                usage = []
                return .reply(.success(response))
            }
            usage.append(String(line))
            return .needMore
        }
        if line == "HANGUP" { return .hangup }
        if line.hasPrefix("520-") {
            usageStart = String(line)
            return .needMore
        }
        if line.hasPrefix("100 ") || line.hasPrefix("100-") { return .needMore }
        do {
            return .reply(.success(try AGIResponse.parse(line)))
        } catch {
            return .reply(.failure(error))
        }
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
