import Testing
@testable import JOSE

/// docs/hardening.md: JSON numbers that do not fit are refused or not integers, never a trap.
@Suite("JSON: out-of-range numbers")
struct JSONIntegerRangeTests {
    @Test func hugeNumbersAreRefusedOrNotIntegers() throws {
        #expect(throws: JOSEError.self) { _ = try JSONValue.parse("1e400") }
        #expect(try JSONValue.parse("1e300").intValue == nil)
        #expect(try JSONValue.parse("9007199254740993000").intValue == nil)
        #expect(try JSONValue.parse("-1e20").intValue == nil)
        #expect(try JSONValue.parse("9007199254740992").intValue == 9_007_199_254_740_992)
        #expect(try JSONValue.parse("1.5").intValue == nil)
        // Encoding a huge integral double must not go through Int64.
        #expect(String(decoding: try JSONValue.number(1e300).encoded(), as: UTF8.self) == "1e+300")
    }
}
