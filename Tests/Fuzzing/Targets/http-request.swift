// fuzz-modules: HTTPServer
// fuzz-options: -max_len=4096
//
// The HTTP/1.1 request framing and head parser every HTTPServer connection runs on peer bytes
// (Sources/HTTPServer/Parsing, driven as HTTPConnectionHandler drives it): leading empty lines
// dropped, the head delimited by `headLength`, refused above `maxHeadBytes`, parsed by
// `RequestHeadParser.parse`, then `Content-Length` bytes taken as the body; repeated for
// pipelined requests until the bytes run out or a request is refused. The first input byte
// picks small limits so the 413/431 paths are reached.
//
// Invariants beyond "no crash":
// - a refusal is a thrown HTTPRequestRejection with a status the server can send
//   (400, 413, 417, 431, 501, 505) and a short fixed reason that holds no request bytes;
// - `headLength` finds the first empty line: the head ends in LF LF or LF CR LF and no
//   shorter prefix does;
// - an accepted head obeys the rules it was checked against: HTTP/1.0 or 1.1, a token method,
//   a visible-ASCII target, at most `maxHeaderCount` fields with token names and no CR/LF in
//   values, exactly one Host on 1.1, no Transfer-Encoding (chunked bodies are refused with
//   501, never mis-framed), every Content-Length item the same decimal within `maxBodyBytes`,
//   and keep-alive as RFC 9112 §9.3 says for the version and `Connection` tokens;
// - render -> parse round-trips: the head written back (`METHOD TARGET VERSION`, `name: value`)
//   parses to the same head, and parsing is deterministic;
// - framing consumes the input exactly: the bytes taken (empty lines, heads, bodies) never
//   run past the input.
@testable import HTTPServer

private let allowedStatuses: Set<Int> = [400, 413, 417, 431, 501, 505]

private struct Parsed: Equatable {
    var method, target, version, path: String
    var headers: [String]
    var queryItems: [String]
    var contentLength: Int
    var expectsContinue, keepAlive: Bool

    init(_ head: HTTPRequestHead) {
        method = head.method; target = head.target; version = head.version; path = head.path
        headers = head.headers.map { $0.0 + "\u{0}" + $0.1 }
        queryItems = head.queryItems.map { $0.0 + "\u{0}" + $0.1 }
        contentLength = head.contentLength
        expectsContinue = head.expectsContinue; keepAlive = head.keepAlive
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    var limits = HTTPServerLimits()
    if first & 0x80 != 0 {
        limits.maxHeadBytes = 64 + Int(first & 0x0F) * 64
        limits.maxBodyBytes = Int((first >> 4) & 0x07) * 16
    }
    let stream = input[1...]
    var position = stream.startIndex
    var requests = 0
    while position < stream.endIndex, requests < 64 {
        let skipped = RequestHeadParser.leadingEmptyLineCount(in: stream[position...])
        check(skipped <= stream.endIndex - position, "skipped past the input")
        position += skipped
        let unread = stream[position...]
        guard let length = RequestHeadParser.headLength(in: unread) else { break }
        checkHeadLength(unread, length)
        guard length <= limits.maxHeadBytes else { break }  // 431, as the handler answers
        let headBytes = unread.prefix(length)
        let head: HTTPRequestHead
        do {
            head = try RequestHeadParser.parse(headBytes, limits: limits)
        } catch {
            check(allowedStatuses.contains(error.status), "rejected with status \(error.status)")
            check(!error.reason.isEmpty && error.reason.utf8.count <= 60 && error.reason.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F },
                  "rejection reason \(error.reason)")
            do {
                _ = try RequestHeadParser.parse(headBytes, limits: limits)
                check(false, "parse is not deterministic")
            } catch let second { check(second == error, "parse is not deterministic") }
            break
        }
        checkAccepted(head, limits: limits)
        checkRoundTrip(head, limits: limits)
        position += length
        guard stream.endIndex - position >= head.contentLength else { break }  // body not all here
        position += head.contentLength
        requests += 1
    }
    return 0
}

private func checkHeadLength(_ unread: ArraySlice<UInt8>, _ length: Int) {
    check(length >= 2 && length <= unread.count, "head length \(length) of \(unread.count) bytes")
    let head = Array(unread.prefix(length))
    let endsWell = head.suffix(2) == [0x0A, 0x0A] || (head.count >= 3 && head.suffix(3) == [0x0A, 0x0D, 0x0A])
    check(endsWell, "head does not end in an empty line")
    if length > 2 {
        check(RequestHeadParser.headLength(in: unread.prefix(length - 1)) == nil, "a shorter head was there")
    }
}

private func isToken(_ text: String) -> Bool {
    !text.isEmpty && text.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

private func checkAccepted(_ head: HTTPRequestHead, limits: HTTPServerLimits) {
    check(head.version == "HTTP/1.1" || head.version == "HTTP/1.0", "version \(head.version)")
    check(isToken(head.method), "method \(head.method)")
    check(!head.target.isEmpty && head.target.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "target \(head.target)")
    check(head.headers.count <= RequestHeadParser.maxHeaderCount, "\(head.headers.count) header fields accepted")
    for (name, value) in head.headers {
        check(isToken(name), "header name \(name)")
        check(!value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }, "line break or NUL in a header value")
    }
    func values(_ name: String) -> [String] { head.headers.filter { $0.0.lowercased() == name }.map(\.1) }
    if head.version == "HTTP/1.1" { check(values("host").count == 1, "HTTP/1.1 without exactly one Host") }
    check(values("transfer-encoding").isEmpty, "a Transfer-Encoding request was accepted")
    check(head.contentLength >= 0 && head.contentLength <= limits.maxBodyBytes, "Content-Length \(head.contentLength)")
    for value in values("content-length") {
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            let text = item.trimmingASCIIWhitespace()
            check(!text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && Int(text) == head.contentLength,
                  "Content-Length item \(text) accepted as \(head.contentLength)")
        }
    }
    if values("content-length").isEmpty { check(head.contentLength == 0, "a length without Content-Length") }
    check(head.expectsContinue == !values("expect").isEmpty, "expectsContinue")
    let tokens = values("connection").flatMap { $0.split(separator: ",") }.map { $0.trimmingASCIIWhitespace().lowercased() }
    let keepAlive = tokens.contains("close") ? false : head.version == "HTTP/1.0" ? tokens.contains("keep-alive") : true
    check(head.keepAlive == keepAlive, "keepAlive \(head.keepAlive) for \(head.version) \(tokens)")
    check(!head.path.isEmpty, "empty path")
}

private func checkRoundTrip(_ head: HTTPRequestHead, limits: HTTPServerLimits) {
    var rendered = Array("\(head.method) \(head.target) \(head.version)\r\n".utf8)
    for (name, value) in head.headers { rendered += Array("\(name): \(value)\r\n".utf8) }
    rendered += [0x0D, 0x0A]
    let again: HTTPRequestHead
    do { again = try RequestHeadParser.parse(rendered[...], limits: limits) } catch {
        check(false, "the rendered head is refused: \(error.status) \(error.reason)"); return
    }
    check(Parsed(again) == Parsed(head), "render -> parse changed the head")
    check(RequestHeadParser.headLength(in: rendered[...]) == rendered.count, "the rendered head has another length")
}
