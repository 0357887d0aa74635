import Foundation

/// A response a handler returns. The server adds `Date`, `Content-Length` and
/// `Connection`; any of those set here are replaced, and a `Transfer-Encoding` set
/// here is dropped (the server always sends a fixed-length body).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// When set, the server sends the head without `Content-Length`, then each chunk as it
    /// arrives, and closes the connection when the stream finishes (Server-Sent Events).
    /// `body` is ignored. See ``eventStream(_:)``.
    public var bodyStream: AsyncStream<[UInt8]>?

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/event-stream` response fed by `stream`, uncached. The connection ends when the
    /// stream finishes, when a chunk cannot be written within the write timeout (a client
    /// that stopped reading), or at server shutdown (the stream's iteration is cancelled).
    public static func eventStream(_ stream: AsyncStream<[UInt8]>) -> HTTPResponse {
        var response = HTTPResponse(status: 200, headers: [
            ("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-store"), ("X-Accel-Buffering", "no"),
        ])
        response.bodyStream = stream
        return response
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }

    /// Sets (replaces) a header.
    public mutating func setHeader(_ name: String, _ value: String) {
        let wanted = name.lowercased()
        headers.removeAll { $0.0.lowercased() == wanted }
        headers.append((name, value))
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    /// A `text/html; charset=utf-8` response.
    public static func html(_ html: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(html.utf8))
    }

    /// An `application/json` response with `value` encoded (keys sorted so output is
    /// stable). Falls back to a 500 with a JSON error if encoding fails, so a handler
    /// never has to deal with encoder errors.
    public static func json(_ value: some Encodable, status: Int = 200) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else {
            return HTTPResponse(
                status: 500, headers: [("Content-Type", "application/json")],
                body: Array(#"{"error":"server_error","error_description":"response encoding failed"}"#.utf8))
        }
        return json(data, status: status)
    }

    /// An `application/json` response with already-encoded JSON bytes.
    public static func json(_ data: Data, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: [UInt8](data))
    }

    /// 204 No Content.
    public static var noContent: HTTPResponse { HTTPResponse(status: 204) }

    /// 404 with a short text body.
    public static var notFound: HTTPResponse { .text("not found\n", status: 404) }

    /// 405 with the `Allow` header listing the methods the resource supports.
    public static func methodNotAllowed(allowed: [String]) -> HTTPResponse {
        var response = HTTPResponse.text("method not allowed\n", status: 405)
        response.setHeader("Allow", allowed.joined(separator: ", "))
        return response
    }
}

/// Called for every request; runs on the connection's task. Must not block a thread
/// (use `await`); cancellation means the server is shutting down.
public typealias HTTPHandler = @Sendable (HTTPRequest) async -> HTTPResponse
