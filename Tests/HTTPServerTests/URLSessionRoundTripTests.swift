import URLEncoding
import Foundation
import Sockets
import Testing
@testable import HTTPServer

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real client (URLSession, libcurl underneath on Linux) talks to the server.
@Suite struct URLSessionRoundTripTests {
    func session() -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 120  // a failure bound only: the suite starts hundreds of tests at once on 2 cores
        return URLSession(configuration: configuration)
    }

    @Test func getAndFormPostRoundTripOverOneKeptAliveConnection() async throws {
        try await withServer { address, server in
            let session = session()
            defer { session.invalidateAndCancel() }
            let base = "http://127.0.0.1:\(address.port)"

            let (getData, getResponse) = try await session.data(from: try #require(URL(string: "\(base)/hello?who=V%C3%A4rlden&x=a+b")))
            let getHTTP = try #require(getResponse as? HTTPURLResponse)
            #expect(getHTTP.statusCode == 200)
            #expect(getHTTP.value(forHTTPHeaderField: "Content-Type") == "application/json")
            let getEcho = try decodeEcho([UInt8](getData))
            #expect(getEcho.path == "/hello")
            #expect(getEcho.query == ["who": "Världen", "x": "a b"])

            var post = URLRequest(url: try #require(URL(string: "\(base)/form")))
            post.httpMethod = "POST"
            post.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            post.setValue("abc", forHTTPHeaderField: "X-Test")
            post.httpBody = Data(FormURLEncoding.encode([("grant_type", "urn:openid:params:grant-type:ciba"), ("note", "å & ø")]).utf8)
            let (postData, postResponse) = try await session.data(for: post)
            #expect((postResponse as? HTTPURLResponse)?.statusCode == 200)
            let postEcho = try decodeEcho([UInt8](postData))
            #expect(postEcho.method == "POST")
            #expect(postEcho.testHeader == "abc")
            #expect(postEcho.form == ["grant_type": "urn:openid:params:grant-type:ciba", "note": "å & ø"])

            // Both requests came over one kept-alive connection.
            #expect(server.openConnections == 1)
        }
    }

    @Test func largeBodyNearTheLimitIsReceivedWhole() async throws {
        try await withServer { address, _ in
            let session = session()
            defer { session.invalidateAndCancel() }
            var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(address.port)/big")))
            request.httpMethod = "POST"
            request.httpBody = Data(repeating: UInt8(ascii: "z"), count: 900_000)
            let (data, response) = try await session.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(try decodeEcho([UInt8](data)).bodyLength == 900_000)
        }
    }

    @Test func errorStatusesReachTheClient() async throws {
        try await withServer(handler: { _ in .text("nope\n", status: 404) }) { address, _ in
            let session = session()
            defer { session.invalidateAndCancel() }
            let (data, response) = try await session.data(from: try #require(URL(string: "http://127.0.0.1:\(address.port)/x")))
            #expect((response as? HTTPURLResponse)?.statusCode == 404)
            #expect(String(decoding: data, as: UTF8.self) == "nope\n")
        }
    }
}
