import Foundation

/// Turns a handler's `HTTPResponse` into wire bytes.
///
/// The server owns framing: it sets `Content-Length` from the body, `Date`, and
/// `Connection: close` when it will close. Handler headers whose name is not a token or
/// whose value holds CR, LF or NUL are dropped, so a handler that echoes input into a
/// header can never split the response.
enum ResponseSerializer {
    private static let framingHeaders: Set<String> = ["content-length", "transfer-encoding", "connection", "date"]

    static func serialize(_ response: HTTPResponse, omitBody: Bool, keepAlive: Bool, date: Date = Date()) -> [UInt8] {
        let status = (100...999).contains(response.status) ? response.status : 500
        var head = "HTTP/1.1 \(status) \(HTTPStatus.reasonPhrase(status))\r\n"
        head += "Date: \(HTTPDate.format(date))\r\n"
        for (name, value) in response.headers where isSafe(name: name, value: value) {
            if framingHeaders.contains(name.lowercased()) { continue }
            head += "\(name): \(value)\r\n"
        }
        let forbidsBody = HTTPStatus.forbidsBody(status)
        if !forbidsBody {
            head += "Content-Length: \(response.body.count)\r\n"
        }
        if !keepAlive { head += "Connection: close\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if !omitBody && !forbidsBody { bytes.append(contentsOf: response.body) }
        return bytes
    }

    /// The head of a streamed response: no `Content-Length`, `Connection: close` (the body
    /// ends when the connection does, which HTTP/1.1 allows for responses).
    static func serializeStreamHead(_ response: HTTPResponse, date: Date = Date()) -> [UInt8] {
        var head = "HTTP/1.1 \(response.status) \(HTTPStatus.reasonPhrase(response.status))\r\n"
        head += "Date: \(HTTPDate.format(date))\r\n"
        for (name, value) in response.headers where isSafe(name: name, value: value) {
            if framingHeaders.contains(name.lowercased()) { continue }
            head += "\(name): \(value)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        return Array(head.utf8)
    }

    /// A minimal error response for requests refused before the handler ran.
    static func rejection(_ rejection: HTTPRequestRejection) -> HTTPResponse {
        .text("\(rejection.reason)\n", status: rejection.status)
    }

    private static func isSafe(name: String, value: String) -> Bool {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
            return false
        }
        return !value.utf8.contains { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") || $0 == 0 }
    }
}
