import Testing
@testable import AMI

@Suite("AMI message parser")
struct AMIMessageParserTests {
    @Test func bannerThenResponseAndEvent() throws {
        var parser = AMIMessageParser()
        let text = "Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\n"
            + "Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n"
        let messages = try parser.feed(Array(text.utf8))
        #expect(parser.version == "11.0.0")
        #expect(messages.count == 2)
        #expect(messages[0].response == "Success")
        #expect(messages[0].actionID == "1")
        #expect(messages[0].message == "Authentication accepted")
        #expect(messages[1].eventName == "FullyBooted")
        #expect(messages[1]["privilege"] == "system,all")
    }

    @Test func splitAnywhereAndBareLineFeeds() throws {
        var parser = AMIMessageParser()
        let text = Array("Asterisk Call Manager/9.0.0\nEvent: Hangup\r\nUniqueid: 17.1\r\nAccountCode: \r\nChanVariable: CIBA_TXN=abc\n\r\n".utf8)
        var messages: [AMIMessage] = []
        for byte in text { messages += try parser.feed([byte]) }
        #expect(messages.count == 1)
        #expect(messages[0]["Uniqueid"] == "17.1")
        #expect(messages[0]["AccountCode"] == "")
        #expect(messages[0].channelVariables == ["CIBA_TXN": "abc"])
    }

    @Test func wrongBannerIsAProtocolViolation() {
        var parser = AMIMessageParser()
        #expect(throws: AMIError.self) { try parser.feed(Array("HTTP/1.1 400 Bad Request\r\n".utf8)) }
    }

    @Test func oversizedLineAndTooManyHeadersAreRefused() throws {
        var parser = AMIMessageParser(maxLineLength: 64, maxHeaders: 4)
        _ = try parser.feed(Array("Asterisk Call Manager/11.0.0\r\n".utf8))
        #expect(throws: AMIError.self) { try parser.feed([UInt8](repeating: 0x41, count: 65)) }
        var other = AMIMessageParser(maxLineLength: 64, maxHeaders: 4)
        _ = try other.feed(Array("Asterisk Call Manager/11.0.0\r\n".utf8))
        #expect(throws: AMIError.self) { try other.feed(Array("A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n".utf8)) }
    }

    @Test func encodingNeverLetsAValueInjectHeaders() {
        let message = AMIMessage.action("Setvar", actionID: "7", [("Value", "x\r\nAction: Originate\r\n\r\n")])
        let text = String(decoding: message.encoded(), as: UTF8.self)
        #expect(text == "Action: Setvar\r\nActionID: 7\r\nValue: x  Action: Originate    \r\n\r\n")
    }

    @Test func descriptionHidesTheSecret() {
        let message = AMIMessage.action("Login", actionID: "1", [("Username", "ciba"), ("Secret", "s3cr3t-value")])
        #expect(!message.description.contains("s3cr3t-value"))
        #expect(message.description.contains("Secret: ***"))
    }

    @Test func backoffDoublesUpToTheMaximum() {
        let policy = AMIReconnectPolicy(initial: .milliseconds(500), maximum: .seconds(4))
        #expect(policy.delay(afterFailures: 1) == .milliseconds(500))
        #expect(policy.delay(afterFailures: 2) == .seconds(1))
        #expect(policy.delay(afterFailures: 4) == .seconds(4))
        #expect(policy.delay(afterFailures: 40) == .seconds(4))
    }
}
