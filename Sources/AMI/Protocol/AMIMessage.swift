/// One Asterisk Manager Interface message: an ordered list of `Name: Value` headers.
///
/// The manager protocol sends `Action:` blocks to Asterisk and gets `Response:` and `Event:`
/// blocks back, each line ending in CRLF and each block in an empty line. Header names are
/// matched case-insensitively (Asterisk's `astman_get_header` does the same); a name may
/// repeat (`Variable:`, `ChanVariable:`), so the order is kept.
public struct AMIMessage: Sendable, Equatable, CustomStringConvertible {
    public var headers: [(name: String, value: String)]

    public init(_ headers: [(name: String, value: String)]) {
        self.headers = headers
    }

    /// An action block: `Action: NAME`, then `ActionID`, then the other headers in order.
    public static func action(_ name: String, actionID: String, _ headers: [(name: String, value: String)] = []) -> AMIMessage {
        AMIMessage([("Action", name), ("ActionID", actionID)] + headers)
    }

    /// The first value of `name` (case-insensitive), nil when absent.
    public subscript(name: String) -> String? {
        headers.first(where: { $0.name.caseInsensitiveCompare(name) }).map(\.value)
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) }.map(\.value)
    }

    /// `Event:` value for an event, nil for a response.
    public var eventName: String? { self["Event"] }
    /// `Response:` value (`Success`, `Error`, `Goodbye`, `Follows`), nil for an event.
    public var response: String? { self["Response"] }
    public var actionID: String? { self["ActionID"] }
    public var message: String? { self["Message"] }

    /// The channel variables Asterisk appends to channel events (`ChanVariable: NAME=VALUE`,
    /// from manager.conf `channelvars`).
    public var channelVariables: [String: String] {
        var out: [String: String] = [:]
        for value in values("ChanVariable") {
            guard let equals = value.firstIndex(of: "=") else { continue }
            out[String(value[..<equals])] = String(value[value.index(after: equals)...])
        }
        return out
    }

    /// The wire form: `Name: Value\r\n` per header, then `\r\n`.
    ///
    /// CR and LF inside a name or value would let a value inject headers or whole actions, so
    /// they are replaced by spaces here, whatever the caller passed.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        for (name, value) in headers {
            bytes += Self.sanitized(name).utf8
            bytes += [0x3A, 0x20]
            bytes += Self.sanitized(value).utf8
            bytes += [0x0D, 0x0A]
        }
        bytes += [0x0D, 0x0A]
        return bytes
    }

    static func sanitized(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { out.append(scalar == "\r" || scalar == "\n" ? " " : scalar) }
        return String(out)
    }

    /// One line per header for logs, with `Secret` and `Key` values replaced by `***`.
    public var description: String {
        headers.map { header in
            let hidden = header.name.caseInsensitiveCompare("Secret") || header.name.caseInsensitiveCompare("Key")
            return "\(header.name): \(hidden ? "***" : header.value)"
        }.joined(separator: "\n")
    }

    public static func == (lhs: AMIMessage, rhs: AMIMessage) -> Bool {
        lhs.headers.elementsEqual(rhs.headers, by: { $0.name == $1.name && $0.value == $1.value })
    }
}

extension String {
    /// ASCII case-insensitive equality (header names are ASCII).
    func caseInsensitiveCompare(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in Self.lower(x) == Self.lower(y) }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }
}
