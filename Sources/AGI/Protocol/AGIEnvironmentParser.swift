/// Reads the environment block line by line, as it arrives.
///
/// Tolerant on purpose: a trailing `\r` is dropped, `key:value` without the space is
/// accepted, values keep trailing spaces. A line without a colon, or a block larger than
/// `maxBytes`, is an error (the session then closes).
///
/// Works on the raw bytes of each line: the key ends at the first `:` byte and one space
/// after it is skipped; only the key and the value become Strings (decoded as UTF-8 with
/// invalid sequences replaced by U+FFFD). Splitting at an ASCII byte gives the same text as
/// decoding the whole line first, because an ASCII byte is never part of a multi-byte
/// sequence.
public struct AGIEnvironmentParser: Sendable {
    public let maxBytes: Int
    private var entries: [AGIEnvironment.Entry] = []
    private var bytesSeen = 0

    public init(maxBytes: Int = 65_536) {
        self.maxBytes = maxBytes
    }

    /// Feeds one line (without its `\n`). Returns the environment once the empty line arrives.
    public mutating func consume(_ rawLine: Substring) throws(AGIError) -> AGIEnvironment? {
        var line = rawLine
        return try line.withUTF8 { bytes in consumeResult(bytes) }.get()
    }

    /// Feeds the raw bytes of one line (without its `\n`), as `AGILineSplitter.appendBytes`
    /// delivers them. Returns the environment once the empty line arrives.
    public mutating func consume(bytes: ArraySlice<UInt8>) throws(AGIError) -> AGIEnvironment? {
        try bytes.withUnsafeBufferPointer { buffer in consumeResult(buffer) }.get()
    }

    /// `withUnsafeBufferPointer` and `withUTF8` only rethrow untyped errors, hence a `Result`.
    private mutating func consumeResult(_ line: UnsafeBufferPointer<UInt8>) -> Result<AGIEnvironment?, AGIError> {
        do throws(AGIError) {
            return .success(try consume(bytes: line))
        } catch {
            return .failure(error)
        }
    }

    private mutating func consume(bytes line: UnsafeBufferPointer<UInt8>) throws(AGIError) -> AGIEnvironment? {
        bytesSeen += line.count + 1
        guard bytesSeen <= maxBytes else {
            throw AGIError(.environmentTooLarge, "environment block larger than \(maxBytes) bytes")
        }
        var end = line.count
        if end > 0 && line[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end == 0 { return AGIEnvironment(entries: entries) }
        var colon = 0
        while colon < end && line[colon] != UInt8(ascii: ":") { colon += 1 }
        guard colon < end else {
            throw AGIError(.protocolViolation, "environment line without a colon (\(end) bytes)")
        }
        var valueStart = colon + 1
        if valueStart < end && line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        if entries.isEmpty { entries.reserveCapacity(32) }
        entries.append(.init(
            key: String(decoding: UnsafeBufferPointer(rebasing: line[0..<colon]), as: UTF8.self),
            value: String(decoding: UnsafeBufferPointer(rebasing: line[valueStart..<end]), as: UTF8.self)))
        return nil
    }

    /// Parses a whole block given as lines (the empty terminating line may be left out).
    public static func parse(lines: some Sequence<String>, maxBytes: Int = 65_536) throws(AGIError) -> AGIEnvironment {
        var parser = AGIEnvironmentParser(maxBytes: maxBytes)
        for line in lines {
            if let env = try parser.consume(Substring(line)) { return env }
        }
        return AGIEnvironment(entries: parser.entries)
    }
}
