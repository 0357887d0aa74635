import Foundation
import Sockets
import Testing
@testable import HTTPServer

/// The server over raw TCP: framing, keep-alive, pipelining, errors.
@Suite struct ServerProtocolTests {
    @Test func getAnswersWithDateContentLengthAndDecodedQuery() async throws {
        try await withServer { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send("GET /p%C3%A5th?name=two+words&x=%2B1 HTTP/1.1\r\nHost: t\r\nX-Test: yes\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 200)
            #expect(response.header("Date")?.hasSuffix(" GMT") == true)
            #expect(response.header("Content-Length") == "\(response.body.count)")
            let echo = try decodeEcho(response.body)
            #expect(echo.path == "/påth")
            #expect(echo.query == ["name": "two words", "x": "+1"])
            #expect(echo.testHeader == "yes")
            #expect(echo.remoteAddress.hasPrefix("127.0.0.1:"))
        }
    }

    @Test func formBodyIsDecoded() async throws {
        try await withServer { address, _ in
            let client = try await RawHTTPClient(address)
            let body = "scope=openid&login_hint=sub%3Assn%3A196802020575&binding_message=Hej+d%C3%A4r"
            try await client.send("POST /f HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            let echo = try decodeEcho(try #require(try await client.readResponse()).body)
            #expect(echo.method == "POST")
            #expect(echo.form == ["scope": "openid", "login_hint": "sub:ssn:196802020575", "binding_message": "Hej där"])
            #expect(echo.bodyLength == body.utf8.count)
        }
    }

    @Test func keepAliveServesSequentialRequestsOnOneConnection() async throws {
        try await withServer { address, server in
            let client = try await RawHTTPClient(address)
            for index in 1...3 {
                try await client.send("GET /n\(index) HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try #require(try await client.readResponse())
                #expect(response.header("Connection") == nil)
                #expect(try decodeEcho(response.body).path == "/n\(index)")
            }
            #expect(server.openConnections == 1)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withServer { address, _ in
            let client = try await RawHTTPClient(address)
            let body = "a=1"
            try await client.send(
                "GET /first HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /second HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\n\(body)\r\n"  // stray CRLF after a body is ignored
                    + "GET /third HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let first = try #require(try await client.readResponse())
            let second = try #require(try await client.readResponse())
            let third = try #require(try await client.readResponse())
            #expect(try decodeEcho(first.body).path == "/first")
            #expect(try decodeEcho(second.body).form == ["a": "1"])
            #expect(try decodeEcho(third.body).path == "/third")
            #expect(third.header("Connection") == "close")
            #expect(await client.isClosedByServer(within: .seconds(5)))
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await withServer { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 200)
            #expect(response.header("Connection") == "close")
            #expect(await client.isClosedByServer(within: .seconds(5)))
        }
    }

    @Test func http10ClosesUnlessKeepAliveWasAsked() async throws {
        try await withServer { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send("GET / HTTP/1.0\r\n\r\n")
            #expect(try #require(try await client.readResponse()).status == 200)
            #expect(await client.isClosedByServer(within: .seconds(5)))
        }
    }

    @Test func headSendsHeadersWithTheBodyLengthButNoBody() async throws {
        try await withServer { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send("GET /same HTTP/1.1\r\nHost: t\r\n\r\n")
            let get = try #require(try await client.readResponse())
            try await client.send("HEAD /same HTTP/1.1\r\nHost: t\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try #require(try await client.readResponse(expectBody: false))
            #expect(head.status == 200)
            let getLength = try #require(get.header("Content-Length").flatMap(Int.init))
            let headLength = try #require(head.header("Content-Length").flatMap(Int.init))
            #expect(headLength == getLength + 1)  // "HEAD" is one letter longer than "GET" in the echo
            // The next response starts right after the HEAD headers: no body bytes in between.
            let after = try #require(try await client.readResponse())
            #expect(try decodeEcho(after.body).path == "/after")
        }
    }

    @Test func noContentHasNoContentLength() async throws {
        try await withServer { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send("GET /empty HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try #require(try await client.readResponse(expectBody: false))
            #expect(response.status == 204)
            #expect(response.header("Content-Length") == nil)
        }
    }

    @Test(arguments: [
        ("GARBAGE\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: t\r\n folded: x\r\n\r\n", 400),
        ("GET / HTTP/3.0\r\nHost: t\r\n\r\n", 505),
        ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 501),
        ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4000000\r\n\r\n", 413),
        ("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}\r\n\r\n", 400),
    ])
    func malformedRequestsGetAnErrorAndAClose(request: String, status: Int) async throws {
        try await withServer { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send(request)
            let response = try #require(try await client.readResponse())
            #expect(response.status == status)
            #expect(response.header("Connection") == "close")
            #expect(await client.isClosedByServer(within: .seconds(5)))
        }
    }

    @Test func oversizedHeadIsRefusedWith431() async throws {
        var limits = HTTPServerLimits()
        limits.maxHeadBytes = 4096
        try await withServer(limits: limits) { address, _ in
            let client = try await RawHTTPClient(address)
            let filler = String(repeating: "a", count: 1000)
            var request = "GET / HTTP/1.1\r\nHost: t\r\n"
            for index in 0..<10 { request += "X-Fill-\(index): \(filler)\r\n" }
            try await client.send(request)  // no end of head: the server must not wait for it
            let response = try #require(try await client.readResponse())
            #expect(response.status == 431)
            #expect(await client.isClosedByServer(within: .seconds(5)))
        }
    }

    @Test func expectContinueGetsAnInterimResponse() async throws {
        try await withServer { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send("POST /c HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            let interim = try #require(try await client.readResponse(expectBody: false))
            #expect(interim.status == 100)
            try await client.send("x=abc")
            let final = try #require(try await client.readResponse())
            #expect(final.status == 200)
            #expect(try decodeEcho(final.body).form == ["x": "abc"])
        }
    }

    @Test func handlerHeadersCannotSplitTheResponse() async throws {
        try await withServer(handler: { _ in
            HTTPResponse(status: 200, headers: [("X-Evil", "a\r\nSet-Cookie: x=1"), ("Content-Length", "999"), ("X-Fine", "ok")], body: Array("hi".utf8))
        }) { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.header("Set-Cookie") == nil)
            #expect(response.header("X-Evil") == nil)
            #expect(response.header("X-Fine") == "ok")
            #expect(response.header("Content-Length") == "2")
            #expect(response.bodyText == "hi")
        }
    }

    @Test func routerAnswers404And405WithAllow() async throws {
        var router = HTTPRouter()
        router.add("GET", "/healthz") { _ in .text("ok") }
        router.add("POST", "/submit") { _ in .text("done") }
        try await withServer(handler: router.handler) { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try #require(try await client.readResponse()).bodyText == "ok")
            try await client.send("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try #require(try await client.readResponse(expectBody: false))
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "2")
            try await client.send("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try #require(try await client.readResponse()).status == 404)
            try await client.send("DELETE /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            let refused = try #require(try await client.readResponse())
            #expect(refused.status == 405)
            #expect(refused.header("Allow") == "GET, HEAD")
            try await client.send("GET /submit HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try #require(try await client.readResponse()).header("Allow") == "POST")
        }
    }
}
