import Testing
@testable import CIBA

/// CurlHeaderLine: the byte path against the general path, and bad header lines.
@Suite("Curl header lines")
struct CurlHeaderLineTests {
    static func parse(_ bytes: [UInt8]) -> (fast: CurlHeaderLine?, general: CurlHeaderLine, chosen: CurlHeaderLine) {
        bytes.withUnsafeBytes { raw in (CurlHeaderLine.parseASCII(raw), CurlHeaderLine.parseGeneral(raw), CurlHeaderLine.parse(raw)) }
    }

    static func parse(_ text: String) -> CurlHeaderLine { parse(Array(text.utf8)).chosen }

    @Test("ordinary lines: status line, header trimmed, blank line, no colon")
    func ordinaryLines() {
        #expect(Self.parse("HTTP/1.1 400 Bad Request\r\n") == .statusLine)
        #expect(Self.parse("HTTP/2 200\r\n") == .statusLine)
        #expect(Self.parse("Content-Type: application/json\r\n") == .header(name: "Content-Type", value: "application/json"))
        #expect(Self.parse("WWW-Authenticate:  Basic realm=\"op\" \t\r\n") == .header(name: "WWW-Authenticate", value: #"Basic realm="op""#))
        #expect(Self.parse(" X-A \t: v:w\r\n") == .header(name: "X-A", value: "v:w"))
        #expect(Self.parse("X-Empty:\r\n") == .header(name: "X-Empty", value: ""))
        #expect(Self.parse("\r\n") == .ignored)
        #expect(Self.parse("no colon here\r\n") == .ignored)
        #expect(Self.parse(" : value\r\n") == .ignored)
        #expect(Self.parse("") == .ignored)
    }

    @Test("bad bytes: invalid UTF-8, NUL, non-ASCII names take the general path and never crash")
    func badBytes() {
        let invalid = Self.parse([0x58, 0xFF, 0x3A, 0x20, 0xC3, 0x0D, 0x0A])   // "X\xFF: \xC3\r\n"
        #expect(invalid.fast == nil)
        #expect(invalid.chosen == .header(name: "X\u{FFFD}", value: "\u{FFFD}"))
        #expect(Self.parse("X-Nul: a\u{0}b\r\n") == .header(name: "X-Nul", value: "a\u{0}b"))
        #expect(Self.parse("Näme: wert\r\n") == .header(name: "Näme", value: "wert"))
        #expect(Self.parse([0x80]).chosen == .ignored)
        #expect(Self.parse([0x3A]).chosen == .ignored)
    }

    @Test("the byte path gives the general path's result for 20,000 generated ASCII lines")
    func bytePathMatchesGeneralPath() {
        var g = SafeTextTests.Generator(state: 0xD1B5_4A32_D192_ED03)
        let pieces = ["HTTP/", "HTTP/1.1 200 OK", "Content-Length", ":", ": ", " ", "\t", "\r", "\n", "\r\n", "\u{0B}", "\u{0C}",
                      "value", "a=b; c", "\"q\"", "x", "-"]
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<g.below(10) {
                if g.below(4) == 0 { bytes.append(UInt8(g.below(128))) } else { bytes += Array(pieces[g.below(pieces.count)].utf8) }
            }
            let result = Self.parse(bytes)
            #expect(result.fast == result.general, "line \(bytes)")
            if result.fast != result.general { return }
        }
    }
}
