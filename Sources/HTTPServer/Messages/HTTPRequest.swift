import TLS
import URLEncoding
/// One parsed HTTP/1.1 request as the server hands it to a handler.
///
/// The head has already been validated (request line, header syntax, `Host` for
/// HTTP/1.1, body length). `path` is percent-decoded and never contains the query;
/// `query` holds the decoded query parameters (last one wins when a name repeats;
/// `queryItems` keeps every pair in order).
public struct HTTPRequest: Sendable {
    /// The method exactly as sent (methods are case-sensitive: `GET`, `POST`, `HEAD`...).
    public var method: String
    /// The percent-decoded path, e.g. `/oauth2/token`. Never contains `?`.
    public var path: String
    /// Decoded query parameters; when a name repeats, the last value wins.
    public var query: [String: String]
    /// Every decoded query pair in order, duplicates kept.
    public var queryItems: [(String, String)]
    /// Header fields in arrival order with their original name spelling.
    public var headers: [(String, String)]
    /// The request body (`Content-Length` bytes; empty when there is none).
    public var body: [UInt8]
    /// The peer, e.g. `127.0.0.1:53412`.
    public var remoteAddress: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    /// The raw request target (path and query, still percent-encoded).
    public var target: String
    /// The TLS facts of the connection (client certificate, version); nil on plain HTTP.
    public var tls: HTTPRequestTLS?
    /// Whether the request came over TLS (a cookie may then be `Secure`).
    public var isSecure: Bool { tls != nil }

    public init(
        method: String, path: String, query: [String: String] = [:], queryItems: [(String, String)] = [],
        headers: [(String, String)] = [], body: [UInt8] = [], remoteAddress: String = "",
        version: String = "HTTP/1.1", target: String? = nil, tls: HTTPRequestTLS? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.queryItems = queryItems.isEmpty ? query.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } : queryItems
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.version = version
        self.target = target ?? path
        self.tls = tls
    }

    /// The first header named `name`, compared case-insensitively (header names are
    /// case-insensitive in HTTP). Leading and trailing whitespace is already trimmed.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }

    /// Every value of the headers named `name` (case-insensitive), in order.
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.0.lowercased() == wanted }.map(\.1)
    }

    /// The media type of `Content-Type` without parameters, lower-cased
    /// (`application/x-www-form-urlencoded`), or nil when absent.
    public var mediaType: String? {
        guard let value = header("Content-Type") else { return nil }
        let type = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return type.trimmingASCIIWhitespace().lowercased()
    }

    /// The body decoded as `application/x-www-form-urlencoded` (`+` is a space,
    /// `%XX` decoded as UTF-8). When a name repeats, the last value wins; use
    /// `formItems()` to see duplicates (OAuth forbids repeated parameters).
    /// Returns an empty dictionary for an empty body. The Content-Type is not checked
    /// here: check `mediaType` when it matters.
    public func formParameters() -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in formItems() { result[name] = value }
        return result
    }

    /// Every decoded form pair in body order, duplicates kept.
    public func formItems() -> [(String, String)] {
        FormURLEncoding.decode(String(decoding: body, as: UTF8.self))
    }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

extension StringProtocol {
    /// Trims spaces and horizontal tabs (HTTP's optional whitespace) from both ends.
    func trimmingASCIIWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
