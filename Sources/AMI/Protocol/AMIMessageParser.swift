/// Splits the byte stream from Asterisk's manager port into the banner and messages.
///
/// Incremental: feed whatever `read` returned, get back the messages completed by it. Lines
/// end in CRLF (a bare LF is accepted, as Asterisk itself accepts it); an empty line ends a
/// message; empty lines between messages are skipped. A line without `": "` is kept with an
/// empty value under its whole text as the name rather than failing the connection (Asterisk
/// sends such lines in `Response: Follows` output). The peer is not trusted: a line longer
/// than `maxLineLength` or a message with more than `maxHeaders` headers is a protocol
/// violation, so a misbehaving or hostile peer cannot make the client buffer without bound.
public struct AMIMessageParser: Sendable {
    public let maxLineLength: Int
    public let maxHeaders: Int

    /// The banner line (`Asterisk Call Manager/11.0.0`) once it has arrived.
    public private(set) var banner: String?
    private var line: [UInt8] = []
    private var headers: [(name: String, value: String)] = []

    public init(maxLineLength: Int = 16_384, maxHeaders: Int = 512) {
        self.maxLineLength = maxLineLength
        self.maxHeaders = maxHeaders
    }

    /// Consumes `bytes`; returns the messages they completed, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(AMIError) -> [AMIMessage] {
        var out: [AMIMessage] = []
        for byte in bytes {
            if byte != 0x0A {
                line.append(byte)
                if line.count > maxLineLength {
                    throw AMIError(.protocolViolation, "a line from the manager port is longer than \(maxLineLength) bytes")
                }
                continue
            }
            if line.last == 0x0D { line.removeLast() }
            let text = String(decoding: line, as: UTF8.self)
            line.removeAll(keepingCapacity: true)
            if banner == nil {
                guard text.hasPrefix("Asterisk Call Manager/") else {
                    throw AMIError(.protocolViolation, "the peer is not an Asterisk manager port (first line is not \"Asterisk Call Manager/...\")")
                }
                banner = text
                continue
            }
            if text.isEmpty {
                if !headers.isEmpty {
                    out.append(AMIMessage(headers))
                    headers.removeAll()
                }
                continue
            }
            if headers.count >= maxHeaders {
                throw AMIError(.protocolViolation, "a message from the manager port has more than \(maxHeaders) headers")
            }
            if let colon = text.firstIndex(of: ":") {
                let name = String(text[..<colon])
                var value = text[text.index(after: colon)...]
                if value.first == " " { value = value.dropFirst() }
                headers.append((name, String(value)))
            } else {
                headers.append((text, ""))
            }
        }
        return out
    }

    /// The version after the slash of the banner (`11.0.0`), nil before the banner.
    public var version: String? {
        banner.map { String($0.dropFirst("Asterisk Call Manager/".count)) }
    }
}
