import Testing
@testable import HTTPServer

/// docs/hardening.md: out-of-range numbers in an HTTP request head are rejected, never a trap.
@Suite("HTTP: out-of-range numbers")
struct HTTPIntegerRangeTests {
    func status(_ contentLength: String) -> Int? {
        let bytes = Array("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: \(contentLength)\r\n\r\n".utf8)[...]
        guard let length = RequestHeadParser.headLength(in: bytes) else { return nil }
        do {
            _ = try RequestHeadParser.parse(bytes.prefix(length), limits: HTTPServerLimits())
            return 200
        } catch {
            return error.status
        }
    }

    @Test(arguments: ["99999999999999999999999", "9223372036854775808", "-1", "1e3", "0x10", "18446744073709551616"])
    func contentLengthOutOfRangeIsA400(_ value: String) {
        #expect(status(value) == 400)
    }

    @Test func contentLengthAboveTheBodyLimitIsA413() {
        #expect(status("999999999999999999") == 413)
    }
}
