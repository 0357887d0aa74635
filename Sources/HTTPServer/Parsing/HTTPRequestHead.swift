/// The validated head of a request (request line and header fields), before the body.
struct HTTPRequestHead: Sendable {
    var method: String
    var target: String
    var version: String
    var headers: [(String, String)]
    var path: String
    var queryItems: [(String, String)]
    /// Declared body length (`Content-Length`, 0 when absent).
    var contentLength: Int
    /// The client sent `Expect: 100-continue`.
    var expectsContinue: Bool
    /// Whether the connection may stay open after this exchange, from the version and
    /// the `Connection` header (HTTP/1.1 persistent unless `close`; 1.0 only with `keep-alive`).
    var keepAlive: Bool

    func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }
}

/// Why a request was refused before reaching the handler: the status to answer with
/// and a short reason for the body and the log (never request content).
struct HTTPRequestRejection: Error, Sendable, Equatable {
    var status: Int
    var reason: String
}
