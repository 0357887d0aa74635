/// Where and why a JSON text is not valid: for files a person edits (the configuration),
/// where "invalid JSON" alone sends them hunting.
///
/// `reason` names the rule that was broken ("trailing comma before '}'", "expected ':'"),
/// never the text around it, so the error is safe to log even for a file holding a secret.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// Byte offset of the offending character (the input length for an early end).
    public var offset: Int
    /// 1-based line (lines end at `\n`).
    public var line: Int
    /// 1-based column in Unicode scalars from the start of the line.
    public var column: Int

    public init(reason: String, offset: Int, line: Int, column: Int) {
        self.reason = reason
        self.offset = offset
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column): \(reason)" }
}

extension JSONValue {
    /// Parses like ``parse(_:)`` (the same rules, the same values) but reports the position.
    public static func parseLocated(_ bytes: some Collection<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        let input = Array(bytes)
        do {
            return try StrictJSONParser.parseDocument(input)
        } catch {
            let (line, column) = position(of: error.offset, in: input)
            throw JSONSyntaxError(reason: error.reason, offset: error.offset, line: line, column: column)
        }
    }

    /// Line and column of `offset`; columns count Unicode scalars (UTF-8 continuation bytes are skipped).
    static func position(of offset: Int, in input: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in input.prefix(max(0, offset)) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
