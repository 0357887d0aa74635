/// One reply from Asterisk: `200 result=N [(data)] [endpos=N]`, `510`, `511` or a `520` usage reply.
///
/// `AGIChannel.send` returns every well-formed reply as an `AGIResponse`; call
/// `requireSuccess()` to turn 510/511/520 into `AGIError`s (the typed channel methods do).
public struct AGIResponse: Sendable, Equatable {
    /// 200, 510, 511 or 520.
    public var code: Int
    /// The text after `result=` up to the first space; empty in `200 result= (timeout)`.
    public var result: String
    /// From the first `(` after the result to the LAST `)` on the line. Replies are not
    /// escaped, so the data may itself hold parentheses and quotes.
    public var data: String?
    /// The `endpos=` sample offset (STREAM FILE and friends).
    public var endpos: Int?
    /// The remainder is exactly `(timeout)` (GET DATA). `data` is then `"timeout"` too,
    /// because `GET VARIABLE` of a variable holding "timeout" looks the same.
    public var timedOut: Bool
    /// For 520: the usage lines between `520-...` and `520 End of proper usage.`.
    public var usage: [String]
    /// The first line as received.
    public var line: String

    public init(code: Int, result: String = "", data: String? = nil, endpos: Int? = nil,
                timedOut: Bool = false, usage: [String] = [], line: String = "") {
        self.code = code
        self.result = result
        self.data = data
        self.endpos = endpos
        self.timedOut = timedOut
        self.usage = usage
        self.line = line
    }

    /// `result` as a number, if it is one.
    public var resultValue: Int? { Int(result) }

    /// Parses one `200 result=...` line (or a single-line `510`/`511`/`520`).
    public static func parse(_ line: Substring) throws(AGIError) -> AGIResponse {
        let utf8 = line.utf8
        guard utf8.count >= 3, let code = Int(line.prefix(3)), code >= 100, code <= 599 else {
            throw AGIError(.protocolViolation, "reply does not start with a status code (\(utf8.count) bytes)")
        }
        var response = AGIResponse(code: code, line: String(line))
        var rest = line.dropFirst(3)
        if rest.hasPrefix(" ") || rest.hasPrefix("-") { rest = rest.dropFirst() }
        guard rest.hasPrefix("result=") else { return response }
        rest = rest.dropFirst("result=".count)
        let end = rest.firstIndex(of: " ") ?? rest.endIndex
        response.result = String(rest[..<end])
        var tail = rest[end...]
        if tail.hasPrefix(" ") { tail = tail.dropFirst() }
        if let open = tail.firstIndex(of: "("), let close = tail.lastIndex(of: ")"), open < close {
            response.data = String(tail[tail.index(after: open)..<close])
            if tail == "(timeout)" { response.timedOut = true }
            tail = tail[..<open] + tail[tail.index(after: close)...]
        }
        if let range = tail.range(of: "endpos=") {
            let digits = tail[range.upperBound...].prefix(while: { $0 == "-" || $0.isASCII && $0.isNumber })
            response.endpos = Int(digits)
        }
        return response
    }

    /// Returns `self` for a 200 reply; throws the matching `AGIError` for 510, 511 and 520.
    @discardableResult
    public func requireSuccess() throws(AGIError) -> AGIResponse {
        switch code {
        case 200: return self
        case 510: throw AGIError(.invalidCommand, "510 Invalid or unknown command")
        case 511: throw AGIError(.deadChannel, "511 Command Not Permitted on a dead channel")
        case 520: throw AGIError(.usage, "520 wrong usage: " + usage.joined(separator: " "))
        default: throw AGIError(.protocolViolation, "unexpected status \(code)")
        }
    }
}
