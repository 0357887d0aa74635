import Testing
@testable import AGI

/// `encodedLine()` writes bytes directly; it must equal `line` + `\n` and report the same
/// errors in the same order as the String encoding did.
@Suite struct CommandBytesTests {
    static let commands: [AGICommand] = [
        .answer, .hangup, .noop, .channelStatus,
        .streamFile("beep"), .streamFile("custom/åsa", escapeDigits: "#*", offset: 1200),
        .setVariable("X", #"say "hi" \ now (ok)"#), .setVariable("EMPTY", ""), .setVariable("LAB", "åäöø ÅÄÖØ ☎"),
        .getData("enter-number", timeout: .seconds(5), maxDigits: 12), .verbose("tab\there", level: 3),
        AGICommand(["NOOP"]), AGICommand([]), AGICommand(["exec", "Playback", ""]),
        AGICommand(name: ["", "X"], arguments: ["", .raw("a \"b"), .quoted("plain"), 42]),
        AGICommand(name: [], arguments: [.quoted("first word"), "second"]),
    ]

    @Test(arguments: commands)
    func bytesEqualTheLinePlusNewline(_ command: AGICommand) throws {
        #expect(try command.encodedLine() == Array((command.line + "\n").utf8))
    }

    @Test func errorsInOrderNameThenArgumentThenLength() {
        #expect(throws: AGIError(.invalidArgument, "command name holds a line break or NUL")) {
            _ = try AGICommand(name: ["SET", "VA\rRIABLE"], arguments: ["a\nb"]).encodedLine()
        }
        #expect(throws: AGIError(.invalidArgument, "SET VARIABLE: argument 2 holds a line break or NUL")) {
            _ = try AGICommand(name: ["SET", "VARIABLE"], arguments: ["ok", "x\u{0}y", "z\nw"]).encodedLine()
        }
        let long = String(repeating: "a", count: AGICommand.maxLineBytes)
        #expect(throws: AGIError(.invalidArgument, "VERBOSE: argument 2 holds a line break or NUL")) {
            _ = try AGICommand(name: ["VERBOSE"], arguments: [.raw(long), "\r"]).encodedLine()
        }
        #expect(throws: AGIError(.commandTooLong, "VERBOSE: 2054 bytes, Asterisk accepts at most 2046")) {
            _ = try AGICommand(name: ["VERBOSE"], arguments: [.raw(long)]).encodedLine()
        }
        let fits = AGICommand(name: [], arguments: [.raw(long)])
        #expect((try? fits.encodedLine())?.count == AGICommand.maxLineBytes + 1)
    }
}
