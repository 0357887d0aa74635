import Testing
@testable import AMI

/// Found by the `ami` fuzz target (Tests/Fuzzing/Seeds/ami/regression-message-before-long-line):
/// a message completed in the same read as a later protocol violation was dropped, so the
/// outcome depended on how the bytes were split into reads.
@Suite("AMI message parser: violations after complete messages")
struct AMIMessageParserViolationTests {
    let stream = Array(("Asterisk Call Manager/5.0.1\r\nEvent: Hangup\r\nUniqueid: 17.1\r\n\r\nRe"
        + String(repeating: "x", count: 80) + "\r\n").utf8)

    @Test func messagesBeforeAViolationInTheSameReadAreReturned() throws {
        var parser = AMIMessageParser(maxLineLength: 40, maxHeaders: 4)
        let messages = try parser.feed(stream)
        #expect(messages.map(\.eventName) == ["Hangup"])
        #expect(parser.failure?.kind == .protocolViolation)
        let later = #expect(throws: AMIError.self) { try parser.feed(Array("Event: X\r\n\r\n".utf8)) }
        #expect(later == parser.failure)
    }

    @Test func oneReadGivesWhatByteByByteReadsGive() throws {
        var whole = AMIMessageParser(maxLineLength: 40, maxHeaders: 4)
        let all = try whole.feed(stream)
        var split = AMIMessageParser(maxLineLength: 40, maxHeaders: 4)
        var pieces: [AMIMessage] = []
        var thrown: AMIError?
        for byte in stream {
            do { pieces += try split.feed([byte]) } catch { thrown = error; break }
        }
        #expect(pieces == all)
        #expect(thrown == whole.failure)
    }

    @Test func aViolationWithNothingBeforeItIsThrownAtOnce() {
        var parser = AMIMessageParser(maxLineLength: 40, maxHeaders: 4)
        let error = #expect(throws: AMIError.self) { try parser.feed(Array("SSH-2.0-OpenSSH\r\n".utf8)) }
        #expect(error == parser.failure)
    }
}

/// Found by the `ami` fuzz target (Tests/Fuzzing/Seeds/ami/regression-colon-before-combining-mark):
/// a colon followed by a combining mark is one Character, so a String search for ":" skipped
/// it and the header name swallowed the colon and the value.
@Suite("AMI message parser: names split at the colon byte")
struct AMIMessageParserColonTests {
    @Test func aColonBeforeACombiningMarkStillEndsTheName() throws {
        var parser = AMIMessageParser()
        let messages = try parser.feed(Array("Asterisk Call Manager/11.0.0\r\nResponse:\u{05AC}Success\r\nKey: \u{0301}x\r\n\r\n".utf8))
        #expect(messages.count == 1)
        #expect(messages[0].headers.map(\.name) == ["Response", "Key"])
        #expect(messages[0]["Response"] == "\u{05AC}Success")
        #expect(messages[0]["Key"] == "\u{0301}x")
    }
}

/// Found by the `ami` fuzz target (Tests/Fuzzing/Seeds/ami/regression-line-limit-counts-cr): the
/// line limit counted the CR of a CRLF ending, so a line of exactly `maxLineLength` bytes was
/// accepted with a bare LF and refused with CRLF (the ending Asterisk sends).
@Suite("AMI message parser: the line limit is on the text, not the line ending")
struct AMIMessageParserLineLimitTests {
    let text = String(repeating: "x", count: 40)

    @Test func aLineOfTheLimitIsAcceptedWithEitherEnding() throws {
        for ending in ["\n", "\r\n"] {
            var parser = AMIMessageParser(maxLineLength: 40, maxHeaders: 4)
            let messages = try parser.feed(Array("Asterisk Call Manager/5.0.1\r\nEvent: X\r\n\(text)\(ending)\r\n".utf8))
            #expect(messages.count == 1, "ending \(ending.debugDescription)")
            #expect(messages.first?.headers.last?.name == text)
            #expect(parser.failure == nil)
        }
    }

    @Test func oneByteMoreIsRefusedWhateverItIs() {
        for extra in ["y", "\r"] {
            var parser = AMIMessageParser(maxLineLength: 40, maxHeaders: 4)
            #expect(throws: AMIError.self, "extra \(extra.debugDescription)") {
                try parser.feed(Array("Asterisk Call Manager/5.0.1\r\n\(text)\r\(extra)\r\n\r\n".utf8))
            }
        }
    }

    @Test func byteByByteReadsGiveTheSameOutcome() throws {
        let stream = Array("Asterisk Call Manager/5.0.1\r\n\(text)\r\n\r\n".utf8)
        var whole = AMIMessageParser(maxLineLength: 40, maxHeaders: 4)
        let all = try whole.feed(stream)
        var split = AMIMessageParser(maxLineLength: 40, maxHeaders: 4)
        var pieces: [AMIMessage] = []
        for byte in stream { pieces += try split.feed([byte]) }
        #expect(pieces == all && all.count == 1)
    }
}
