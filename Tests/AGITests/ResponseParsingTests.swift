import Testing
@testable import AGI

@Suite struct ResponseParsingTests {
    static func parse(_ lines: [String]) throws -> AGIResponse { try AGIReplyAssembler.parse(lines: lines) }

    @Test func resultDataAndEndpos() throws {
        let plain = try Self.parse(["200 result=0"])
        #expect(plain.code == 200 && plain.result == "0" && plain.resultValue == 0 && plain.data == nil && plain.endpos == nil && !plain.timedOut)
        #expect(try Self.parse(["200 result=1 (fx01envandbasi202704)"]).data == "fx01envandbasi202704")
        #expect(try Self.parse(["200 result=1 ()"]).data == "")
        let name = try Self.parse([#"200 result=1 (Åsa "Q" Öberg \ ø (x))"#])
        #expect(name.data == #"Åsa "Q" Öberg \ ø (x)"#)
        #expect(try Self.parse(["200 result=1 (with (parens) inside)"]).data == "with (parens) inside")
        #expect(try Self.parse(["200 result=1 (trailing space )"]).data == "trailing space ")
        let played = try Self.parse(["200 result=0 endpos=3404"])
        #expect(played.endpos == 3404 && played.resultValue == 0)
        let interrupted = try Self.parse(["200 result=53 endpos=13760"])
        #expect(try interrupted.resultValue == 53 && interrupted.endpos == 13760 && interrupted.digitFromResult("test") == "5")
        let missing = try Self.parse(["200 result=-1 endpos=0"])
        #expect(missing.resultValue == -1 && missing.endpos == 0)
        #expect(try Self.parse(["200 result=-2"]).resultValue == -2)
        #expect(try Self.parse(["200 result=35"]).digitFromResult("test") == "#")
    }

    @Test func getDataTimeoutForms() throws {
        let empty = try Self.parse(["200 result= (timeout)"])
        #expect(empty.result == "" && empty.timedOut && empty.resultValue == nil)
        let partial = try Self.parse(["200 result=123 (timeout)"])
        #expect(partial.result == "123" && partial.timedOut)
        let full = try Self.parse(["200 result=123456789012"])
        #expect(full.result == "123456789012" && !full.timedOut)
    }

    @Test func errorsAndUsage() throws {
        let invalid = try Self.parse(["510 Invalid or unknown command"])
        #expect(invalid.code == 510)
        #expect { try invalid.requireSuccess() } throws: { ($0 as? AGIError)?.kind == .invalidCommand }
        let dead = try Self.parse(["511 Command Not Permitted on a dead channel or intercept routine"])
        #expect { try dead.requireSuccess() } throws: { ($0 as? AGIError)?.kind == .deadChannel }
        let usage = try Self.parse([
            "520-Invalid command syntax.  Proper usage follows:",
            "Sets a variable to the current channel.",
            "520 End of proper usage.",
        ])
        #expect(usage.code == 520 && usage.usage == ["Sets a variable to the current channel."])
        #expect { try usage.requireSuccess() } throws: { ($0 as? AGIError)?.kind == .usage }
    }

    @Test func skipsTryingAndHangupLines() throws {
        var assembler = AGIReplyAssembler()
        #expect(assembler.consume("HANGUP") == .hangup)
        #expect(assembler.consume("100 result=0 Trying...") == .needMore)
        guard case .reply(.success(let reply)) = assembler.consume("200 result=0 Gosub complete") else {
            Issue.record("no reply")
            return
        }
        #expect(reply.resultValue == 0)
        #expect(assembler.consume("garbage") == .reply(.failure(AGIError(.protocolViolation, "reply does not start with a status code (7 bytes)"))))
    }

    /// (c) Every answer in every fixture parses: 200 replies with their fields, 510/511,
    /// and 520 blocks with their usage lines.
    @Test(arguments: try FixtureLoader.all().filter(\.hasTranscript))
    func everyRecordedAnswerParses(_ fixture: Fixture) throws {
        var assembler = AGIReplyAssembler()
        for line in fixture.protocolLines where line.direction == .fromAsterisk {
            switch assembler.consume(Substring(line.text)) {
            case .hangup, .needMore:
                continue
            case .reply(.failure(let error)):
                Issue.record("\(fixture.name): \(line.text): \(error)")
            case .reply(.success(let reply)):
                #expect([200, 510, 511, 520].contains(reply.code))
                if reply.code == 520 { #expect(!reply.usage.isEmpty) }
                if reply.code == 200 { #expect(reply.result.isEmpty ? reply.timedOut : reply.line.hasPrefix("200 result=\(reply.result)")) }
            }
        }
    }
}
