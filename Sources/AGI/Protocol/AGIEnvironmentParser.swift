/// Reads the environment block line by line, as it arrives.
///
/// Tolerant on purpose: a trailing `\r` is dropped, `key:value` without the space is
/// accepted, values keep trailing spaces. A line without a colon, or a block larger than
/// `maxBytes`, is an error (the session then closes).
public struct AGIEnvironmentParser: Sendable {
    public let maxBytes: Int
    private var entries: [AGIEnvironment.Entry] = []
    private var bytesSeen = 0

    public init(maxBytes: Int = 65_536) {
        self.maxBytes = maxBytes
    }

    /// Feeds one line (without its `\n`). Returns the environment once the empty line arrives.
    public mutating func consume(_ rawLine: Substring) throws(AGIError) -> AGIEnvironment? {
        bytesSeen += rawLine.utf8.count + 1
        guard bytesSeen <= maxBytes else {
            throw AGIError(.environmentTooLarge, "environment block larger than \(maxBytes) bytes")
        }
        var line = rawLine
        if line.hasSuffix("\r") { line = line.dropLast() }
        if line.isEmpty { return AGIEnvironment(entries: entries) }
        guard let colon = line.firstIndex(of: ":") else {
            throw AGIError(.protocolViolation, "environment line without a colon (\(line.utf8.count) bytes)")
        }
        var value = line[line.index(after: colon)...]
        if value.hasPrefix(" ") { value = value.dropFirst() }
        entries.append(.init(key: String(line[..<colon]), value: String(value)))
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
