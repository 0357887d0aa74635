import Testing
@testable import HTTPServer

@Suite struct RequestHeadParserTests {
    let limits = HTTPServerLimits()

    func parse(_ text: String) throws(HTTPRequestRejection) -> HTTPRequestHead {
        let bytes = Array(text.utf8)[...]
        guard let length = RequestHeadParser.headLength(in: bytes) else {
            throw HTTPRequestRejection(status: -1, reason: "incomplete head in test")
        }
        return try RequestHeadParser.parse(bytes.prefix(length), limits: limits)
    }

    func rejection(_ text: String) -> Int? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.status
        }
    }

    @Test func parsesPathQueryAndHeaders() throws {
        let head = try parse("GET /a%20b/c?x=1&y=two+words&x=3 HTTP/1.1\r\nHost: h\r\nX-Thing:  v  \r\n\r\n")
        #expect(head.method == "GET")
        #expect(head.path == "/a b/c")
        #expect(head.queryItems.map(\.1) == ["1", "two words", "3"])
        #expect(head.header("x-thing") == "v")
        #expect(head.keepAlive)
        #expect(head.contentLength == 0)
    }

    @Test func acceptsBareLFLineEndingsAndAbsoluteForm() throws {
        let head = try parse("GET http://example.test:8080/p?q=1 HTTP/1.1\nHost: example.test\n\n")
        #expect(head.path == "/p")
        #expect(head.queryItems.first?.1 == "1")
    }

    @Test func connectionSemanticsFollowTheVersion() throws {
        #expect(try parse("GET / HTTP/1.0\r\n\r\n").keepAlive == false)
        #expect(try parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keepAlive == true)
        #expect(try parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n").keepAlive == false)
    }

    @Test func refusesMalformedHeads() {
        #expect(rejection("GET /\r\nHost: h\r\n\r\n") == 400)  // two-part request line
        #expect(rejection("GET  / HTTP/1.1\r\nHost: h\r\n\r\n") == 400)  // double space
        #expect(rejection("G(T / HTTP/1.1\r\nHost: h\r\n\r\n") == 400)  // bad method token
        #expect(rejection("GET / HTTP/1.1\r\n\r\n") == 400)  // no Host
        #expect(rejection("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400)
        #expect(rejection("GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n") == 400)
        #expect(rejection("GET / HTTP/1.1\r\nHost: h\r\nX-A : x\r\n\r\n") == 400)  // space before colon
        #expect(rejection("GET / HTTP/1.1\r\nHost: h\r\nX-A: x\r\n folded\r\n\r\n") == 400)
        #expect(rejection("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n") == 400)
        #expect(rejection("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n") == 400)  // bare CR
        #expect(rejection("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{01}b\r\n\r\n") == 400)
        #expect(rejection("GET / HTTX/1.1\r\nHost: h\r\n\r\n") == 400)
        #expect(rejection("GET relative HTTP/1.1\r\nHost: h\r\n\r\n") == 400)
    }

    @Test func refusesUnsupportedVersionsAndBodies() {
        #expect(rejection("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 505)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n") == 501)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") == 400)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n") == 400)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1e3\r\n\r\n") == 400)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n") == 400)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000000\r\n\r\n") == 413)
        #expect(rejection("POST / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n") == 417)
    }

    @Test func identicalRepeatedContentLengthIsAccepted() throws {
        #expect(try parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n").contentLength == 5)
    }

    @Test func headLengthFindsTheEmptyLineOnly() {
        #expect(RequestHeadParser.headLength(in: Array("GET / HTTP/1.1\r\nHost: h\r\n".utf8)[...]) == nil)
        #expect(RequestHeadParser.headLength(in: Array("GET / HTTP/1.1\r\n\r\nrest".utf8)[...]) == 18)
        #expect(RequestHeadParser.leadingEmptyLineCount(in: Array("\r\n\nGET".utf8)[...]) == 3)
    }
}
