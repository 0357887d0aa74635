import Foundation
import HTTPServer
import Sockets
import StructuredLogging

/// What the echo handler saw, returned as JSON so tests can check parsing.
struct Echo: Codable, Equatable {
    var method: String
    var path: String
    var query: [String: String]
    var form: [String: String]
    var bodyLength: Int
    var testHeader: String?
    var remoteAddress: String
}

func echoHandler(_ request: HTTPRequest) async -> HTTPResponse {
    switch request.path {
    case "/slow":
        try? await Task.sleep(for: .seconds(30))
        return .text("late")
    case "/empty":
        return .noContent
    default:
        return .json(Echo(
            method: request.method, path: request.path, query: request.query, form: request.formParameters(),
            bodyLength: request.body.count, testHeader: request.header("x-TEST"), remoteAddress: request.remoteAddress))
    }
}

/// Runs `body` against a fresh server on a free loopback port, always shutting it down.
func withServer(
    limits: HTTPServerLimits = HTTPServerLimits(),
    handler: @escaping HTTPHandler = echoHandler,
    _ body: (SocketAddress, HTTPServer) async throws -> Void
) async throws {
    let server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), limits: limits, logger: .disabled, handler: handler)
    let address = try server.start()
    do {
        try await body(address, server)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

func decodeEcho(_ bytes: [UInt8]) throws -> Echo {
    try JSONDecoder().decode(Echo.self, from: Data(bytes))
}
