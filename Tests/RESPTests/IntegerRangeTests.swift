import Testing
@testable import RESP

/// docs/hardening.md: RESP lengths and counts beyond Int64 or the limits are protocol errors.
@Suite("RESP: out-of-range lengths")
struct RESPIntegerRangeTests {
    @Test(arguments: ["$99999999999999999999999\r\n", "*99999999999999999999999\r\n", "$9223372036854775807\r\n",
                      "*9223372036854775807\r\n", "$-2\r\n", ":99999999999999999999999\r\n"])
    func outOfRangeIsAnError(_ text: String) {
        #expect(throws: RESPProtocolError.self) { _ = try RESPDecoder.decodeAll(Array(text.utf8)) }
    }
}
