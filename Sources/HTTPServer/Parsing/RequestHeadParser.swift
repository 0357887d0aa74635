import URLEncoding
/// Parses and validates a request head (RFC 9112 §2–§6) from raw bytes.
///
/// Strict where laxness enables request smuggling (obsolete line folding, whitespace
/// before the colon, conflicting `Content-Length`, `Transfer-Encoding`), lenient
/// where RFC 9112 allows it (bare LF line endings, empty lines before the request line).
enum RequestHeadParser {
    /// Upper bound on header fields; more is refused with 431.
    static let maxHeaderCount = 100

    /// Drops empty lines (CRLF or LF) at the start of `buffer`, which RFC 9112 §2.2 lets
    /// a server ignore before a request line (some clients send one after a POST body).
    static func leadingEmptyLineCount(in buffer: ArraySlice<UInt8>) -> Int {
        var index = buffer.startIndex
        while index < buffer.endIndex {
            if buffer[index] == lf {
                index += 1
            } else if buffer[index] == cr, index + 1 < buffer.endIndex, buffer[index + 1] == lf {
                index += 2
            } else {
                break
            }
        }
        return index - buffer.startIndex
    }

    /// The number of bytes of `buffer` that form the head including its terminating
    /// empty line, or nil when the empty line has not arrived yet.
    static func headLength(in buffer: ArraySlice<UInt8>) -> Int? {
        var index = buffer.startIndex
        while index < buffer.endIndex {
            if buffer[index] == lf {
                let next = index + 1
                if next < buffer.endIndex, buffer[next] == lf { return next + 1 - buffer.startIndex }
                if next + 1 < buffer.endIndex, buffer[next] == cr, buffer[next + 1] == lf {
                    return next + 2 - buffer.startIndex
                }
            }
            index += 1
        }
        return nil
    }

    /// Parses a complete head (as delimited by `headLength`).
    static func parse(_ head: ArraySlice<UInt8>, limits: HTTPServerLimits) throws(HTTPRequestRejection) -> HTTPRequestHead {
        var lines = try splitLines(head)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { throw bad("empty request") }

        let (method, target, version) = try parseRequestLine(requestLine)
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            headers.append(try parseHeaderLine(line))
            if headers.count > maxHeaderCount {
                throw HTTPRequestRejection(status: 431, reason: "too many header fields")
            }
        }

        func values(_ name: String) -> [String] { headers.filter { $0.0.lowercased() == name }.map(\.1) }

        if version == "HTTP/1.1" {
            let hosts = values("host")
            guard hosts.count == 1 else { throw bad(hosts.isEmpty ? "missing Host header" : "repeated Host header") }
        }
        if !values("transfer-encoding").isEmpty {
            // Chunked request bodies are not implemented; RFC 9112 §6.1 lets a server
            // refuse a transfer coding it does not understand with 501.
            throw HTTPRequestRejection(status: 501, reason: "request transfer codings are not supported")
        }
        let contentLength = try parseContentLength(values("content-length"), limits: limits)

        var expectsContinue = false
        for expectation in values("expect") {
            guard expectation.lowercased() == "100-continue" else {
                throw HTTPRequestRejection(status: 417, reason: "unsupported expectation")
            }
            expectsContinue = true
        }

        let connectionTokens = values("connection").flatMap { $0.split(separator: ",") }
            .map { $0.trimmingASCIIWhitespace().lowercased() }
        let keepAlive: Bool
        if connectionTokens.contains("close") {
            keepAlive = false
        } else if version == "HTTP/1.0" {
            keepAlive = connectionTokens.contains("keep-alive")
        } else {
            keepAlive = true
        }

        let (path, queryItems) = try splitTarget(target, method: method)
        return HTTPRequestHead(
            method: method, target: target, version: version, headers: headers, path: path,
            queryItems: queryItems, contentLength: contentLength, expectsContinue: expectsContinue,
            keepAlive: keepAlive)
    }

    // MARK: - Pieces

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    private static func bad(_ reason: String) -> HTTPRequestRejection {
        HTTPRequestRejection(status: 400, reason: reason)
    }

    /// Splits on LF, strips one CR before it; a CR anywhere else is refused.
    private static func splitLines(_ head: ArraySlice<UInt8>) throws(HTTPRequestRejection) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = head.startIndex
        var index = head.startIndex
        while index < head.endIndex {
            if head[index] == lf {
                var end = index
                if end > start, head[end - 1] == cr { end -= 1 }
                let line = head[start..<end]
                if line.contains(cr) { throw bad("bare CR in request head") }
                lines.append(line)
                start = index + 1
            }
            index += 1
        }
        if start < head.endIndex {
            let line = head[start..<head.endIndex]
            if line.contains(cr) { throw bad("bare CR in request head") }
            lines.append(line)
        }
        return lines
    }

    private static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPRequestRejection) -> (String, String, String) {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw bad("malformed request line") }
        let method = parts[0], target = parts[1], version = parts[2]
        guard !method.isEmpty, method.allSatisfy(isTokenByte) else { throw bad("malformed method") }
        guard !target.isEmpty, target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw bad("malformed request target") }
        let versionText = String(decoding: version, as: UTF8.self)
        switch versionText {
        case "HTTP/1.1", "HTTP/1.0":
            break
        default:
            let bytes = Array(version)
            if bytes.count == 8, versionText.hasPrefix("HTTP/"), bytes[6] == UInt8(ascii: "."),
                isDigit(bytes[5]), isDigit(bytes[7])
            {
                throw HTTPRequestRejection(status: 505, reason: "HTTP version not supported")
            }
            throw bad("malformed HTTP version")
        }
        return (String(decoding: method, as: UTF8.self), String(decoding: target, as: UTF8.self), versionText)
    }

    private static func parseHeaderLine(_ line: ArraySlice<UInt8>) throws(HTTPRequestRejection) -> (String, String) {
        guard let first = line.first else { throw bad("empty header line") }
        if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            throw bad("obsolete header line folding")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw bad("header line without colon") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else { throw bad("malformed header name") }
        let value = line[(colon + 1)...]
        for byte in value where (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F {
            throw bad("control character in header value")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self).trimmingASCIIWhitespace())
    }

    private static func parseContentLength(_ values: [String], limits: HTTPServerLimits) throws(HTTPRequestRejection) -> Int {
        guard !values.isEmpty else { return 0 }
        // `Content-Length: 5, 5` and repeated identical fields are allowed; anything
        // else that disagrees is a smuggling attempt (RFC 9112 §6.3).
        var lengths = Set<String>()
        for value in values {
            for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                lengths.insert(item.trimmingASCIIWhitespace())
            }
        }
        guard lengths.count == 1, let text = lengths.first, !text.isEmpty, text.utf8.count <= 18,
            text.utf8.allSatisfy(isDigit), let length = Int(text)
        else { throw bad("invalid Content-Length") }
        guard length <= limits.maxBodyBytes else {
            throw HTTPRequestRejection(status: 413, reason: "request body too large")
        }
        return length
    }

    private static func splitTarget(_ target: String, method: String) throws(HTTPRequestRejection) -> (String, [(String, String)]) {
        if target == "*" {
            guard method == "OPTIONS" else { throw bad("asterisk target outside OPTIONS") }
            return ("*", [])
        }
        var rest = Substring(target)
        if !rest.hasPrefix("/") {
            // absolute-form (RFC 9112 §3.2.2): keep only the path and query.
            let lower = rest.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"),
                let schemeEnd = rest.range(of: "://")
            else { throw bad("malformed request target") }
            let afterScheme = rest[schemeEnd.upperBound...]
            if let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = afterScheme[slash...]
                if rest.hasPrefix("?") { rest = "/" + rest }
            } else {
                rest = "/"
            }
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let pieces = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = FormURLEncoding.percentDecode(pieces[0], plusIsSpace: false)
        let query = pieces.count > 1 ? FormURLEncoding.decode(String(pieces[1])) : []
        return (path.isEmpty ? "/" : path, query)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
