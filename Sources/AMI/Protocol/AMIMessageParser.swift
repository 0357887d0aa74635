/// Splits the byte stream from Asterisk's manager port into the banner and messages.
///
/// Incremental: feed whatever `read` returned, get back the messages completed by it. Lines
/// end in CRLF (a bare LF is accepted, as Asterisk itself accepts it); an empty line ends a
/// message; empty lines between messages are skipped. A line without `": "` is kept with an
/// empty value under its whole text as the name rather than failing the connection (Asterisk
/// sends such lines in `Response: Follows` output). The peer is not trusted: a line longer
/// than `maxLineLength` (its text, without the CRLF or LF that ends it) or a message with more than `maxHeaders` headers is a protocol
/// violation, so a misbehaving or hostile peer cannot make the client buffer without bound.
///
/// Messages completed before a violation in the same bytes are not lost: `feed` returns them
/// and sets `failure`; the stream is dead from then on (every later `feed` throws `failure`).
/// A violation with nothing completed before it is thrown at once.
public struct AMIMessageParser: Sendable {
    public let maxLineLength: Int
    public let maxHeaders: Int

    /// The banner line (`Asterisk Call Manager/11.0.0`) once it has arrived.
    public private(set) var banner: String?
    private var line: [UInt8] = []
    private var headers: [(name: String, value: String)] = []
    /// The protocol violation that ended the stream, once there was one.
    public private(set) var failure: AMIError?

    public init(maxLineLength: Int = 16_384, maxHeaders: Int = 512) {
        self.maxLineLength = maxLineLength
        self.maxHeaders = maxHeaders
    }

    /// Consumes `bytes`; returns the messages they completed, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(AMIError) -> [AMIMessage] {
        if let failure { throw failure }
        var out: [AMIMessage] = []
        do throws(AMIError) {
            try parse(bytes, into: &out)
        } catch {
            failure = error
            if out.isEmpty { throw error }
        }
        return out
    }

    private mutating func parse(_ bytes: some Sequence<UInt8>, into out: inout [AMIMessage]) throws(AMIError) {
        for byte in bytes {
            if byte != 0x0A {
                line.append(byte)
                // The limit is on the line's text: the CR of a CRLF ending is not counted (it
                // may be one byte over until the next byte shows whether the LF follows), so a
                // line is accepted or refused the same whichever ending it has.
                if line.count > maxLineLength, line.count > maxLineLength + 1 || byte != 0x0D {
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
            // Split at the first colon byte, as Asterisk does: a String search would step over
            // a colon followed by a combining mark (one Character), putting it in the name.
            let utf8 = text.utf8
            if let colon = utf8.firstIndex(of: 0x3A) {
                let name = String(decoding: utf8[..<colon], as: UTF8.self)
                var value = utf8[utf8.index(after: colon)...]
                if value.first == 0x20 { value = value.dropFirst() }
                headers.append((name, String(decoding: value, as: UTF8.self)))
            } else {
                headers.append((text, ""))
            }
        }
    }

    /// The version after the slash of the banner (`11.0.0`), nil before the banner.
    public var version: String? {
        banner.map { String($0.dropFirst("Asterisk Call Manager/".count)) }
    }
}
