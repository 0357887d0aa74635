import Testing
@testable import AGI

@Suite struct EnvironmentTests {
    @Test(arguments: try FixtureLoader.all().filter(\.hasTranscript))
    func everyFixtureEnvironmentParses(_ fixture: Fixture) throws {
        let lines = fixture.environmentLines
        let env = try AGIEnvironmentParser.parse(lines: lines + [""])
        #expect(env.entries.count == lines.count)
        for (entry, line) in zip(env.entries, lines) {
            #expect("\(entry.key): \(entry.value)" == line)
        }
        #expect(env.uniqueID == fixture.results["UNIQUEID"])
        #expect(env.channel == fixture.results["CHANNEL"])
        #expect(env.version == "22.10.1")
        #expect(env.callerID == "unknown")
        #expect(env.accountCode == "")
        #expect(env["accountcode"] == "")
        #expect(env["agi_enhanced"] == "0.0")
        let url = fixture.results["AGI_URL"] ?? ""
        let scriptPart = url.split(separator: ",").first.map { String($0.dropFirst("agi://127.0.0.1:4573/".count)) } ?? ""
        #expect(env.networkScript == scriptPart)
        #expect(env.script == String(scriptPart.split(separator: "?").first ?? ""))
    }

    @Test func fixture01QueryArgumentsAndTrailingSpaces() throws {
        let fixture = try FixtureLoader.named("01_")
        let env = try AGIEnvironmentParser.parse(lines: fixture.environmentLines)
        #expect(env.script == "basics")
        #expect(env.query == ["key": "value", "lang": "sv"])
        #expect(env.queryItems.map(\.name) == ["key", "lang"])
        #expect(env.arguments == ["first", "second arg", "", "Åsa Öberg"])
        #expect(env.request == "agi://127.0.0.1:4573/basics?key=value&lang=sv")
        #expect(env.entries.map(\.key).prefix(3) == ["agi_network", "agi_network_script", "agi_request"])
        #expect(env.entries.last?.key == "agi_arg_4")
    }

    @Test func crlfUnknownKeysPercentDecodingAndPlus() throws {
        var parser = AGIEnvironmentParser()
        let lines = [
            "agi_network: yes\r", "agi_network_script: /caller-auth?name=%C3%85sa+%C3%96berg&x=a%2Bb&flag&bad=%zz\r",
            "agi_custom_key: kept \r", "agi_arg_2: two\r", "agi_arg_1: one\r", "agi_arg_10: ten\r",
        ]
        for line in lines { #expect(try parser.consume(Substring(line)) == nil) }
        let env = try #require(try parser.consume("\r"))
        #expect(env.script == "caller-auth")
        #expect(env.query["name"] == "Åsa Öberg")
        #expect(env.query["x"] == "a+b")
        #expect(env.query["flag"] == "")
        #expect(env.query["bad"] == "%zz")
        #expect(env["agi_custom_key"] == "kept ")
        #expect(env["custom_key"] == "kept ")
        #expect(env.arguments == ["one", "two", "ten"])
    }

    @Test func noNetworkScriptFallsBackToRequestPath() throws {
        let env = try AGIEnvironmentParser.parse(lines: ["agi_network: yes", "agi_request: agi://10.0.0.1:4573/hold?a=1"])
        #expect(env.script == "hold")
        #expect(env.query == ["a": "1"])
        let bare = try AGIEnvironmentParser.parse(lines: ["agi_request: agi://10.0.0.1"])
        #expect(bare.script == "")
    }

    @Test func lineWithoutColonAndOversizedBlockAreErrors() {
        var parser = AGIEnvironmentParser()
        #expect(throws: AGIError.self) { _ = try parser.consume("no colon here") }
        var small = AGIEnvironmentParser(maxBytes: 64)
        #expect {
            for i in 0..<10 { _ = try small.consume(Substring("agi_key_\(i): value value")) }
        } throws: { ($0 as? AGIError)?.kind == .environmentTooLarge }
    }

    @Test func lineSplitterLimitsAndNonUTF8() throws {
        var splitter = AGILineSplitter(maxLineLength: 16)
        var lines: [String] = []
        try splitter.append([0x61, 0xFF, 0xC3, 0x0A, 0x62][...]) { lines.append($0); return true }
        #expect(lines == ["a\u{FFFD}\u{FFFD}"])
        try splitter.append(Array("cd\n".utf8)[...]) { lines.append($0); return true }
        #expect(lines.last == "bcd")
        #expect(throws: AGIError.self) {
            try splitter.append(Array(repeating: 0x41, count: 17)[...]) { _ in true }
        }
        var exact = AGILineSplitter(maxLineLength: 4)
        try exact.append(Array("abcd\n".utf8)[...]) { lines.append($0); return true }
        #expect(lines.last == "abcd")
    }
}
