import Testing
@testable import AGI

/// The environment block is parsed on raw bytes (`AGILineSplitter.appendBytes` +
/// `AGIEnvironmentParser.consume(bytes:)`). These tests hold it to the String-level rules:
/// a reference model that decodes the whole line first gives the same entries.
@Suite struct ByteEnvironmentParsingTests {
    /// The rules as written for Strings: decode the whole line (lossy), drop one trailing
    /// `\r`, split at the first `:`, drop one space after it.
    static func referenceEntry(_ raw: [UInt8]) -> AGIEnvironment.Entry? {
        var line = Substring(String(decoding: raw, as: UTF8.self))
        if line.hasSuffix("\r") { line = line.dropLast() }
        guard let colon = line.firstIndex(of: ":") else { return nil }
        var value = line[line.index(after: colon)...]
        if value.hasPrefix(" ") { value = value.dropFirst() }
        return .init(key: String(line[..<colon]), value: String(value))
    }

    /// Feeds `block` in chunks of `chunkSize` bytes, like a socket would.
    static func parseInChunks(_ block: [UInt8], chunkSize: Int, limits: Int = 65_536) throws -> AGIEnvironment? {
        var splitter = AGILineSplitter()
        var parser = AGIEnvironmentParser(maxBytes: limits)
        var result: AGIEnvironment?
        var offset = 0
        while offset < block.count, result == nil {
            let end = min(block.count, offset + chunkSize)
            var failure: AGIError?
            try splitter.appendBytes(block[offset..<end]) { line in
                do throws(AGIError) {
                    result = try parser.consume(bytes: line)
                } catch {
                    failure = error
                }
                return result == nil && failure == nil
            }
            if let failure { throw failure }
            offset = end
        }
        return result
    }

    @Test(arguments: try FixtureLoader.all().filter(\.hasTranscript))
    func fixtureBlocksGiveTheSameEnvironmentInAnyChunking(_ fixture: Fixture) throws {
        let lines = fixture.environmentLines
        let expected = try AGIEnvironmentParser.parse(lines: lines + [""])
        let block = Array((lines.joined(separator: "\n") + "\n\n").utf8)
        for chunkSize in [1, 3, 7, 64, block.count] {
            let env = try #require(try Self.parseInChunks(block, chunkSize: chunkSize))
            #expect(env == expected, "chunk size \(chunkSize)")
            #expect(env.entries.count == lines.count)
        }
    }

    @Test func invalidUTF8IsReplacedExactlyAsWhenDecodingTheWholeLine() throws {
        let rawLines: [[UInt8]] = [
            Array("agi_calleridname: ".utf8) + [0xC5] + Array("sa ".utf8) + [0xFF, 0x0D],   // Latin-1 Å, stray 0xFF
            [0x61, 0xE2, 0x82] + Array(": value".utf8),                                      // truncated sequence before the colon
            Array("agi_x:".utf8) + [0xF0, 0x9F, 0x98] + Array(":tail".utf8),                 // truncated 4-byte sequence after it
            Array("agi_ok: Åsa Öberg ☎".utf8),
        ]
        var parser = AGIEnvironmentParser()
        for raw in rawLines { #expect(try parser.consume(bytes: raw[...]) == nil) }
        let env = try #require(try parser.consume(bytes: [0x0D][...]))
        #expect(env.entries == rawLines.compactMap(Self.referenceEntry))
        #expect(env["calleridname"] == "\u{FFFD}sa \u{FFFD}")
        #expect(env.entries[1].key == "a\u{FFFD}")
        #expect(env["agi_x"] == "\u{FFFD}:tail")
        #expect(env["ok"] == "Åsa Öberg ☎")
    }

    @Test func separatorVariantsTrailingSpacesAndCRLF() throws {
        let block = Array((
            "agi_network:yes\r\n" +            // no space after the colon
            "agi_request: agi://h:4573/s\r\n" + // value with colons: split at the first one
            "agi_two:  x  \r\n" +               // only one space dropped, trailing spaces kept
            "agi_empty:\r\n" + "agi_blank: \r\n" +
            "agi_cr: a\rb\r\n" +                // an inner \r is data
            "\r\n").utf8)
        let env = try #require(try Self.parseInChunks(block, chunkSize: 5))
        #expect(env.entries.map(\.key) == ["agi_network", "agi_request", "agi_two", "agi_empty", "agi_blank", "agi_cr"])
        #expect(env.entries.map(\.value) == ["yes", "agi://h:4573/s", " x  ", "", "", "a\rb"])
        #expect(env.script == "s")
    }

    @Test func networkScriptQueryAndArgumentsFromBytes() throws {
        let block = Array((
            "agi_network_script: /auth?who=%C3%85sa+%C3%96berg&x=a%2Bb&x=2&flag\n" +
            "agi_arg_10: ten\n" + "agi_arg_2: two\n" + "agi_arg_1: one\n" + "agi_arg_x: not a number\n" +
            "agi_network_script: second is only an entry\n\n").utf8)
        let env = try #require(try Self.parseInChunks(block, chunkSize: 11))
        #expect(env.script == "auth")
        #expect(env.query == ["who": "Åsa Öberg", "x": "2", "flag": ""])
        #expect(env.queryItems.map(\.value) == ["Åsa Öberg", "a+b", "2", ""])
        #expect(env.arguments == ["one", "two", "ten"])
        #expect(env.entries.count == 6)
    }

    @Test func errorsAndLimitsOnBytes() throws {
        #expect {
            _ = try Self.parseInChunks(Array("agi_network: yes\nno colon\n\n".utf8), chunkSize: 4)
        } throws: { ($0 as? AGIError)?.kind == .protocolViolation }
        // 4 lines of 15 bytes + \n = 64 bytes fit; one byte more does not.
        let line = Array("agi_k: 12345678".utf8) + [0x0A]
        let fits = Array(repeating: line, count: 4).joined()
        #expect(throws: AGIError.self) { _ = try Self.parseInChunks(Array(fits) + [0x0A], chunkSize: 9, limits: 64) }
        let env = try Self.parseInChunks(Array(fits) + [0x0A], chunkSize: 9, limits: 65)
        #expect(env?.entries.count == 4)
    }

    @Test func splitterByteLinesAcrossChunksStopEarlyAndLimit() throws {
        var splitter = AGILineSplitter(maxLineLength: 8)
        var lines: [[UInt8]] = []
        try splitter.appendBytes(Array("ab".utf8)[...]) { lines.append(Array($0)); return true }
        #expect(lines.isEmpty && splitter.bufferedByteCount == 2)
        try splitter.appendBytes(Array("c\nde\n\nf".utf8)[...]) { lines.append(Array($0)); return true }
        #expect(lines == [Array("abc".utf8), Array("de".utf8), []])
        #expect(splitter.bufferedByteCount == 1)
        var seen = 0
        try splitter.appendBytes(Array("g\nh\ni\n".utf8)[...]) { _ in seen += 1; return false }
        #expect(seen == 1)
        var exact = AGILineSplitter(maxLineLength: 4)
        try exact.appendBytes(Array("abcd\n".utf8)[...]) { lines.append(Array($0)); return true }
        #expect(lines.last == Array("abcd".utf8))
        #expect(throws: AGIError.self) { try exact.appendBytes(Array("abcde\n".utf8)[...]) { _ in true } }
        var partial = AGILineSplitter(maxLineLength: 4)
        try partial.appendBytes(Array("abc".utf8)[...]) { _ in true }
        #expect(throws: AGIError.self) { try partial.appendBytes(Array("de".utf8)[...]) { _ in true } }
    }
}
