import Testing
@testable import CIBA

/// SafeText's byte path (ASCII) against its general path (`Character`s): same text for every
/// ASCII input, and the masking rules themselves on known inputs.
@Suite("SafeText: masking provider text")
struct SafeTextTests {
    /// A deterministic generator (xorshift), so a failing input can be reproduced.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// ASCII text mixing words, digit runs, token-like runs, punctuation, control bytes, CR LF and the secrets.
    static func asciiText(_ g: inout Generator, secrets: [String]) -> String {
        let pieces = ["unknown user ", "19680202", "0575", "auth_req_id ", "abcDEF123-_.=+/xyz", " expired", "\r\n", "\t", "\u{7F}",
                      "\u{01}", ": ", "(", ")", "\"", "1234567", "12345", "a1b2c3d4e5f6", "=", "/", "x", " ", "..."]
        var text = ""
        for _ in 0..<g.below(40) {
            if !secrets.isEmpty && g.below(8) == 0 {
                text += secrets[g.below(secrets.count)]
            } else {
                text += pieces[g.below(pieces.count)]
            }
            if g.below(5) == 0 {   // any ASCII byte at all
                text.unicodeScalars.append(Unicode.Scalar(UInt8(g.below(128))))
            }
        }
        return text
    }

    @Test("the byte path gives the general path's text for 20,000 generated ASCII inputs")
    func bytePathMatchesGeneralPath() {
        var g = Generator(state: 0x9E37_79B9_7F4A_7C15)
        let secretSets = [[], ["s3cr3t-value"], ["auth-req-123456", "abc"], ["a/b=c"], ["xxxx", "x"]]
        for round in 0..<20_000 {
            let secrets = secretSets[round % secretSets.count]
            let text = Self.asciiText(&g, secrets: secrets)
            let fast = SafeText.sanitizeASCII(text, redacting: secrets)
            let general = SafeText.sanitizeGeneral(text, redacting: secrets)
            #expect(fast == general, "input \(Array(text.utf8)) secrets \(secrets)")
            if fast != general { return }
        }
    }

    @Test("known inputs: digit runs, token runs, secrets, control characters, the length cap")
    func knownInputs() {
        #expect(SafeText.sanitize("unknown user 196802020575") == "unknown user [digits]")
        #expect(SafeText.sanitize("user 19680202-0575 x") == "user [redacted] x")
        #expect(SafeText.sanitize("code 12345 ok") == "code 12345 ok")
        #expect(SafeText.sanitize("id abcdefghijklmnopqrstuvwx end") == "id [redacted] end")
        #expect(SafeText.sanitize("id abcdefghijklmnopqrstuvw end") == "id abcdefghijklmnopqrstuvw end")
        #expect(SafeText.sanitize("bad abc9 for tok", redacting: ["abc9"]) == "bad [redacted] for tok")
        #expect(SafeText.sanitize("short ab", redacting: ["ab"]) == "short ab")
        #expect(SafeText.sanitize("line\r\nnext\u{7F}\u{00}end") == "line  next  end")
        #expect(SafeText.sanitize(nil) == nil)
        #expect(SafeText.sanitize("") == "")
        let long = String(repeating: "ab ", count: 100)
        let capped = SafeText.sanitize(long)
        #expect(capped == String(long.prefix(160)) + "...")
        #expect(SafeText.sanitize("The user has not yet authorized") == "The user has not yet authorized")
    }

    @Test("non-ASCII text and secrets take the general path, with the same rules")
    func nonASCII() {
        #expect(SafeText.sanitizeASCII("användare 196802020575", redacting: []) == nil)
        #expect(SafeText.sanitize("användare 196802020575") == "användare [digits]")
        #expect(SafeText.sanitizeASCII("x secret\u{01} y", redacting: ["secret\u{01}"]) == nil)
        #expect(SafeText.sanitize("Ωmega ×× 1234567") == "Ωmega ×× [digits]")
    }

    @Test("error codes: [A-Za-z0-9_.-], at most 64 bytes")
    func errorCodes() {
        #expect(SafeText.errorCode("authorization_pending") == "authorization_pending")
        #expect(SafeText.errorCode("a.b-c_9") == "a.b-c_9")
        #expect(SafeText.errorCode(String(repeating: "a", count: 64)) == String(repeating: "a", count: 64))
        #expect(SafeText.errorCode(String(repeating: "a", count: 65)) == "invalid_error_code")
        #expect(SafeText.errorCode("") == "invalid_error_code")
        #expect(SafeText.errorCode("bad code") == "invalid_error_code")
        #expect(SafeText.errorCode("pénding") == "invalid_error_code")
        #expect(SafeText.errorCode("x\u{0}") == "invalid_error_code")
        #expect(SafeText.errorCode(nil) == nil)
    }
}
