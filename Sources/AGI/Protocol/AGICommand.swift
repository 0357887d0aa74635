/// One AGI command line: the command's name words followed by its arguments.
///
/// Build one with the static factories (`.streamFile(...)`, `.setVariable(...)`) or from
/// words. The encoded `line` is what goes on the wire (without `\n`); `validate()` refuses
/// anything Asterisk would mangle: a line longer than its 2048-byte buffer, or an argument
/// holding `\n`, `\r` or NUL.
public struct AGICommand: Sendable, Equatable, CustomStringConvertible {
    /// Asterisk reads commands into a 2048-byte buffer that also holds the `\n` and a NUL,
    /// so the line itself may be at most 2046 bytes.
    public static let maxLineBytes = 2046

    /// The command name, e.g. `["SET", "VARIABLE"]`. Always sent bare.
    public var name: [String]
    public var arguments: [AGIArgument]

    public init(name: [String], arguments: [AGIArgument] = []) {
        self.name = name
        self.arguments = arguments
    }

    /// Words as they should arrive at Asterisk; each is written bare when safe, else quoted.
    /// The first word is the command name (`["NOOP"]`, `["FOO", "BAR"]` also work).
    public init(_ words: [String]) {
        self.name = []
        self.arguments = words.map { AGIArgument($0) }
    }

    /// The encoded line without the trailing `\n`.
    public var line: String {
        var parts = name
        parts.reserveCapacity(name.count + arguments.count)
        for argument in arguments { parts.append(argument.encoded) }
        return parts.joined(separator: " ")
    }

    /// The command name in upper case (for logs), e.g. `SET VARIABLE`.
    public var commandName: String {
        if !name.isEmpty { return name.joined(separator: " ").uppercased() }
        return arguments.first.map { $0.value.uppercased() } ?? ""
    }

    /// The line for logs: `SET VARIABLE`'s value is never included, and nothing else longer
    /// than the name is, because arguments may hold personal data.
    public var description: String { commandName }

    /// Checks the command can be sent as one intact line and returns its bytes with `\n`.
    ///
    /// Written straight into one byte array (the same bytes as `line` + `\n`, without
    /// building the word Strings and joining them). Errors are checked in the same order as
    /// they are listed: name, then arguments in order, then the length.
    public func encodedLine() throws(AGIError) -> [UInt8] {
        var bytes: [UInt8] = []
        var capacity = 1
        for word in name { capacity += word.utf8.count + 1 }
        for argument in arguments { capacity += argument.value.utf8.count + 3 }
        bytes.reserveCapacity(capacity)
        for (wordIndex, word) in name.enumerated() {
            if wordIndex > 0 { bytes.append(UInt8(ascii: " ")) }
            for byte in word.utf8 {
                if byte == 0x0A || byte == 0x0D || byte == 0x00 {
                    throw AGIError(.invalidArgument, "command name holds a line break or NUL")
                }
                bytes.append(byte)
            }
        }
        for (index, argument) in arguments.enumerated() {
            if argument.hasLineBreakingCharacter {
                throw AGIError(.invalidArgument, "\(commandName): argument \(index + 1) holds a line break or NUL")
            }
            if index > 0 || !name.isEmpty { bytes.append(UInt8(ascii: " ")) }
            argument.appendEncoded(to: &bytes)
        }
        guard bytes.count <= AGICommand.maxLineBytes else {
            throw AGIError(.commandTooLong, "\(commandName): \(bytes.count) bytes, Asterisk accepts at most \(AGICommand.maxLineBytes)")
        }
        bytes.append(0x0A)
        return bytes
    }
}
