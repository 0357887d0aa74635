import Testing
@testable import AGI
import AGITesting

@Suite struct CommandEncodingTests {
    static var recordedLines: [String] {
        get throws {
            var seen: [String] = []
            for fixture in try FixtureLoader.all() {
                for line in fixture.serverLines where !seen.contains(line) { seen.append(line) }
            }
            return seen
        }
    }

    @Test(arguments: try recordedLines)
    func everyRecordedCommandIsReproducedByteExactly(_ line: String) throws {
        let command = try #require(FixtureCommands.command(for: line), "no equivalent command for \(line)")
        #expect(command.line == line)
        #expect(try command.encodedLine() == Array((line + "\n").utf8))
        // The typed call (where there is one) means the same words to Asterisk, even when
        // the recording server chose different quoting.
        let words = AsteriskArgumentParser.split(line)
        if let typed = TypedCall.from(words: words) {
            // Command names are case-insensitive (`noop`); argument values must match exactly.
            let nameCount = typed.command.name.count
            func normalized(_ w: [String]) -> [String] {
                w.enumerated().map { $0.offset < nameCount ? $0.element.uppercased() : $0.element }
            }
            #expect(normalized(AsteriskArgumentParser.split(typed.command.line)) == normalized(words))
        }
    }

    @Test func quotingCasesOfFixture01() {
        #expect(AGICommand.setVariable("LAB_T1", "hello world").line == #"SET VARIABLE LAB_T1 "hello world""#)
        #expect(AGICommand.setVariable("LAB_T2", #"say "hi" now"#).line == #"SET VARIABLE LAB_T2 "say \"hi\" now""#)
        #expect(AGICommand.setVariable("LAB_T3", #"back\slash"#).line == #"SET VARIABLE LAB_T3 "back\\slash""#)
        #expect(AGICommand.setVariable("LAB_T4", "åäöø ÅÄÖØ").line == #"SET VARIABLE LAB_T4 "åäöø ÅÄÖØ""#)
        #expect(AGICommand.setVariable("LAB_T5", "").line == #"SET VARIABLE LAB_T5 """#)
        #expect(AGICommand.setVariable("LAB_T7", "with (parens) inside").line == #"SET VARIABLE LAB_T7 "with (parens) inside""#)
        #expect(AGICommand.setVariable("LAB_T12", "trailing space ").line == #"SET VARIABLE LAB_T12 "trailing space ""#)
        #expect(AGICommand.setVariable("CIBA_NAME", #"Åsa "Q" Öberg \ ø (x)"#).line
                == #"SET VARIABLE CIBA_NAME "Åsa \"Q\" Öberg \\ ø (x)""#)
        #expect(AGICommand.setVariable("CIBA_BINDING_MESSAGE", #"Code 42: approve "login" (øæå)"#).line
                == #"SET VARIABLE CIBA_BINDING_MESSAGE "Code 42: approve \"login\" (øæå)""#)
        #expect(AGICommand(["SET", "VARIABLE", "CIBA_STATUS", "approved"]).line == "SET VARIABLE CIBA_STATUS approved")
        #expect(AGICommand(["SET", "VARIABLE", "LAB_T9", "sem;colon|pipe,comma=equals"]).line
                == "SET VARIABLE LAB_T9 sem;colon|pipe,comma=equals")
        #expect(AGICommand.verbose("agi_recorder: basics scenario").line == #"VERBOSE "agi_recorder: basics scenario" 1"#)
        #expect(AGICommand.streamFile("beep", escapeDigits: "0123456789*#").line == #"STREAM FILE beep "0123456789*#""#)
        #expect(AGICommand.sayDigits("123").line == #"SAY DIGITS 123 """#)
        #expect(AGICommand.getData("beep", timeout: .seconds(5), maxDigits: 20).line == "GET DATA beep 5000 20")
        #expect(AGICommand.waitForDigit(timeout: nil).line == "WAIT FOR DIGIT -1")
        #expect(AGICommand.setMusic(false, class: "default").line == "SET MUSIC OFF")
        #expect(AGICommand.getFullVariable("${LAB_ID} on ${CHANNEL}").line == #"GET FULL VARIABLE "${LAB_ID} on ${CHANNEL}""#)
    }

    @Test(arguments: ["plain", "", "two words", #"q"uote"#, #"back\slash"#, "tab\there", "åäö ÅÄÖ", #"\""#, #"\\\"x"#, "(x) ;|,="])
    func anyValueRoundTripsThroughAsteriskParsing(_ value: String) {
        let words = AsteriskArgumentParser.split(AGICommand.setVariable("X", value).line)
        #expect(words == ["SET", "VARIABLE", "X", value])
        let auto = AsteriskArgumentParser.split(AGICommand(["SET", "VARIABLE", "X", value]).line)
        #expect(auto == ["SET", "VARIABLE", "X", value])
    }

    @Test func refusesLineBreaksNulAndOverlongLines() throws {
        for bad in ["a\nb", "a\rb", "a\u{0}b"] {
            #expect { try AGICommand.setVariable("X", bad).encodedLine() } throws: { ($0 as? AGIError)?.kind == .invalidArgument }
        }
        let fits = AGICommand.setVariable("X", String(repeating: "a", count: AGICommand.maxLineBytes - #"SET VARIABLE X """#.count))
        #expect(try fits.encodedLine().count == AGICommand.maxLineBytes + 1)
        let tooLong = AGICommand.setVariable("X", String(repeating: "a", count: 2048))
        #expect { try tooLong.encodedLine() } throws: { ($0 as? AGIError)?.kind == .commandTooLong }
        // Quoting counts: 1100 quotes become 2200 bytes.
        #expect { try AGICommand.setVariable("X", String(repeating: "\"", count: 1100)).encodedLine() } throws: {
            ($0 as? AGIError)?.kind == .commandTooLong
        }
    }

    @Test func descriptionNeverContainsArguments() {
        let command = AGICommand.setVariable("CIBA_ID_NUMBER", "196802020575")
        #expect(!String(describing: command).contains("1968"))
        #expect(command.commandName == "SET VARIABLE")
    }
}
