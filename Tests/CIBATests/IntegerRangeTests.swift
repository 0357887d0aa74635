import Testing
import JOSE
@testable import CIBA

/// docs/hardening.md: provider numbers (expires_in, interval) out of range are not integers.
@Suite("CIBA: out-of-range provider numbers")
struct CIBAIntegerRangeTests {
    @Test func jsonTextIntegerIsRangeChecked() {
        let object: [String: JSONValue] = ["a": .number(1e300), "b": .string("99999999999999999999999"), "c": .number(-1e13),
                                           "d": .number(120), "e": .string("60"), "f": .number(2.5)]
        #expect(JSONText.integer(object, "a") == nil)
        #expect(JSONText.integer(object, "b") == nil)
        #expect(JSONText.integer(object, "c") == nil)
        #expect(JSONText.integer(object, "d") == 120)
        #expect(JSONText.integer(object, "e") == 60)
        #expect(JSONText.integer(object, "f") == nil)
    }
}
