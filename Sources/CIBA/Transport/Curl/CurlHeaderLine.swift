import Foundation

/// One response header line as libcurl hands it to the header callback (`Name: value\r\n`,
/// or a status line `HTTP/1.1 200 OK\r\n` that starts a new head).
///
/// Runs for every header line of every poll, so an ASCII line (what servers send) is split
/// and trimmed on bytes, making exactly two strings (name and value). Any other line takes
/// the general path by `Character`s with Foundation's trimming; for ASCII lines both give the
/// same result (`CurlHeaderLineTests` compares them).
enum CurlHeaderLine: Equatable {
    /// `HTTP/...`: a new response head (a proxy's CONNECT answer or a 1xx comes first).
    case statusLine
    /// A header; the name is never empty.
    case header(name: String, value: String)
    /// No colon, or an empty name (the blank line that ends the head, folded lines).
    case ignored

    static func parse(_ bytes: UnsafeRawBufferPointer) -> CurlHeaderLine {
        parseASCII(bytes) ?? parseGeneral(bytes)
    }

    /// The byte path; nil when the line has a byte of 0x80 or above.
    static func parseASCII(_ bytes: UnsafeRawBufferPointer) -> CurlHeaderLine? {
        var colon: Int? = nil
        for (index, byte) in bytes.enumerated() {
            if byte >= 0x80 { return nil }
            if byte == 0x3A && colon == nil { colon = index }
        }
        if bytes.count >= 5 && bytes[0] == 0x48 && bytes[1] == 0x54 && bytes[2] == 0x54 && bytes[3] == 0x50 && bytes[4] == 0x2F {
            return .statusLine
        }
        guard let colon else { return .ignored }
        // Foundation's `.whitespaces` in ASCII: space and tab; `.whitespacesAndNewlines` adds LF, VT, FF, CR.
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        func isSpaceOrNewline(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        var nameStart = 0
        var nameEnd = colon
        while nameStart < nameEnd && isSpace(bytes[nameStart]) { nameStart += 1 }
        while nameEnd > nameStart && isSpace(bytes[nameEnd - 1]) { nameEnd -= 1 }
        guard nameEnd > nameStart else { return .ignored }
        var valueStart = colon + 1
        var valueEnd = bytes.count
        while valueStart < valueEnd && isSpaceOrNewline(bytes[valueStart]) { valueStart += 1 }
        while valueEnd > valueStart && isSpaceOrNewline(bytes[valueEnd - 1]) { valueEnd -= 1 }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd]), as: UTF8.self)
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]), as: UTF8.self)
        return .header(name: name, value: value)
    }

    /// The general path (any bytes; invalid UTF-8 repaired).
    static func parseGeneral(_ bytes: UnsafeRawBufferPointer) -> CurlHeaderLine {
        let line = String(decoding: bytes, as: UTF8.self)
        if line.hasPrefix("HTTP/") { return .statusLine }
        guard let colon = line.firstIndex(of: ":") else { return .ignored }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? .ignored : .header(name: name, value: value)
    }
}
