import Testing
@testable import AGI

/// The byte-level reply path (`AGIReplyAssembler.consume(bytes:)`, `AGIResponse.parse(bytes:)`)
/// must give exactly what the general String parser gives, and must take its fast path for
/// the common forms.
@Suite struct ResponseBytesTests {
    static func viaBytes(_ text: String) -> Result<AGIResponse, AGIError> {
        var line = text
        return line.withUTF8 { buffer in Result { () throws(AGIError) in try AGIResponse.parse(bytes: buffer) } }
    }

    static func fastPath(_ text: String) -> AGIResponse? {
        var line = text
        return line.withUTF8 { AGIResponse.parseCommonReply($0) }
    }

    static let corpus: [String] = [
        "200 result=0", "200 result=1", "200 result=", "200 result=-1", "200 result=196802020575",
        "200 result= (timeout)", "200 result=123 (timeout)", "200 result=1 (timeout) ", "200 result=1 (timeout)x",
        "200 result=1 (value)", "200 result=1 ()", "200 result=1 (with (nested) parens)", "200 result=1 (a) (b)",
        "200 result=1 (unclosed", "200 result=1 closed) (", "200 result=1 )(", "200 result=1 (x))",
        "200 result=0 endpos=10240", "200 result=53 endpos=13760", "200 result=-1 endpos=0", "200 result=0 endpos=",
        "200 result=0 endpos=-5", "200 result=0 endpos=--5", "200 result=0 endpos=5-", "200 result=0 endpos=12abc",
        "200 result=0 endpos=99999999999999999999", "200 result=0 endpos=-9223372036854775808",
        "200 result=0 endpos=9223372036854775808", "200 result=0 (data) endpos=7", "200 result=0 x endpos=7",
        "200 result=0 endp(x)os=5", "200 result=0 endpos=1(x)2", "200 result=0 (endpos=3)", "200 result=0 endpos=4 endpos=5",
        "200 result=0  endpos=6", "200 result=0 Gosub complete", "200 result=1 (Åsa \"Q\" Öberg \\ ø (x))",
        "200 result=1 (\u{FFFD})", "200 result=0x", "200 result=1\t(tab)", "200 Result=1", "200 result",
        "200-result=1", "201 result=1", "510 Invalid or unknown command",
        "511 Command Not Permitted on a dead channel or intercept routine", "520 End of proper usage.",
        "100 result=0 Trying...", "HANGUP", "hangup", "garbage", "", "20", "abc result=1",
    ]

    @Test(arguments: corpus)
    func bytesAgreeWithTheGeneralParser(_ text: String) {
        let general = Result { () throws(AGIError) in try AGIResponse.parse(Substring(text)) }
        let bytes = Self.viaBytes(text)
        #expect(bytes == general)
        if let fast = Self.fastPath(text) { #expect(.success(fast) == general) }
    }

    @Test func commonFormsTakeTheFastPath() throws {
        for text in ["200 result=0", "200 result=", "200 result= (timeout)", "200 result=1 (with (nested) parens)",
                     "200 result=0 endpos=10240", "200 result=1 (x) endpos=3", "200 result=0 Gosub complete"] {
            #expect(Self.fastPath(text) != nil, "\(text)")
        }
        for text in ["510 Invalid or unknown command", "200 result=1 (Åsa)", "200 result=0 x (y) endpos=7", "200-result=1"] {
            #expect(Self.fastPath(text) == nil, "\(text)")
        }
        let timeout = try #require(Self.fastPath("200 result= (timeout)"))
        #expect(timeout.result == "" && timeout.timedOut && timeout.data == "timeout" && timeout.line == "200 result= (timeout)")
        let nested = try #require(Self.fastPath("200 result=1 (a (b) c) endpos=9"))
        #expect(nested.data == "a (b) c" && nested.endpos == 9 && !nested.timedOut)
        let played = try #require(Self.fastPath("200 result=53 endpos=13760"))
        #expect(played.resultValue == 53 && played.endpos == 13760 && played.data == nil)
    }

    @Test func assemblerOnBytesHandlesCRLFHangupTryingAndMultilineUsage() throws {
        var assembler = AGIReplyAssembler()
        #expect(assembler.consume(bytes: Array("HANGUP\r".utf8)[...]) == .hangup)
        #expect(assembler.consume(bytes: Array("100 result=0 Trying...\r".utf8)[...]) == .needMore)
        #expect(assembler.consume(bytes: Array("520-Invalid command syntax.  Proper usage follows:\r".utf8)[...]) == .needMore)
        #expect(assembler.consume(bytes: (Array("Usage: SET VARIABLE ".utf8) + [0xFF] + Array("\r".utf8))[...]) == .needMore)
        #expect(assembler.consume(bytes: Array("200 result=1 (inside usage is text)\r".utf8)[...]) == .needMore)
        guard case .reply(.success(let usage)) = assembler.consume(bytes: Array("520 End of proper usage.\r".utf8)[...]) else {
            Issue.record("no 520 reply")
            return
        }
        #expect(usage.code == 520)
        #expect(usage.line == "520-Invalid command syntax.  Proper usage follows:")
        #expect(usage.usage == ["Usage: SET VARIABLE \u{FFFD}", "200 result=1 (inside usage is text)"])
        // The assembler is ready for the next reply.
        guard case .reply(.success(let next)) = assembler.consume(bytes: Array("200 result=0 endpos=42\r".utf8)[...]) else {
            Issue.record("no 200 reply")
            return
        }
        #expect(next.endpos == 42 && next.line == "200 result=0 endpos=42")
        #expect(assembler.consume(bytes: Array("garbage\r".utf8)[...])
                == .reply(.failure(AGIError(.protocolViolation, "reply does not start with a status code (7 bytes)"))))
    }

    @Test(arguments: try FixtureLoader.all().filter(\.hasTranscript))
    func everyRecordedLineAgreesOnBothPaths(_ fixture: Fixture) {
        var onBytes = AGIReplyAssembler()
        var onText = AGIReplyAssembler()
        for line in fixture.protocolLines where line.direction == .fromAsterisk {
            #expect(onBytes.consume(bytes: Array(line.text.utf8)[...]) == onText.consume(Substring(line.text)))
            let general = Result { () throws(AGIError) in try AGIResponse.parse(Substring(line.text)) }
            #expect(Self.viaBytes(line.text) == general, "\(line.text)")
        }
    }
}
