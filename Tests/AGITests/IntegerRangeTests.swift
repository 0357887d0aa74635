import Testing
@testable import AGI

/// docs/hardening.md: numbers in AGI replies that do not fit are a protocol error or absent, never a trap.
@Suite("AGI: out-of-range numbers in replies")
struct AGIIntegerRangeTests {
    @Test func hugeEndposIsNotAnInteger() throws {
        let response = try AGIResponse.parse("200 result=1 endpos=99999999999999999999999")
        #expect(response.endpos == nil)
        #expect(try AGIResponse.parse("200 result=1 endpos=8000").endpos == 8000)
    }

    @Test(arguments: ["99999999999999999999999 result=1", "-200 result=1", "20 result=1"])
    func codeOutOfRangeIsAProtocolError(_ line: String) {
        #expect(throws: AGIError.self) { _ = try AGIResponse.parse(Substring(line)) }
    }
}
