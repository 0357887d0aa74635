import Testing
@testable import CallerAuth

@Suite("caller id masking")
struct CallerIDMaskingTests {
    @Test func masksLikeNumbers() {
        #expect(CallerIDMasking.mask("+46701234567") == "+46701******")
        #expect(CallerIDMasking.mask("0701234567") == "07012*****")
        #expect(CallerIDMasking.mask("+47 912 34 567") == "+47 912 ** ***")
        #expect(CallerIDMasking.mask("1001") == "****")
        #expect(CallerIDMasking.mask("alice") == "a****")
        for kept in ["", "unknown", "Anonymous"] { #expect(CallerIDMasking.mask(kept) == kept) }
        #expect(CallerIDMasking.loggable("+46701234567", reveal: true) == "+46701234567")
        #expect(CallerIDMasking.loggable("+46701234567", reveal: false) == "+46701******")
    }
}
