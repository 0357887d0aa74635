/// Bytes from the server that are not RESP, or exceed the client's limits.
///
/// The reason names the offending construct and its offset, never the payload (a reply can
/// hold stored personal data).
public struct RESPProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// Not valid RESP: unknown type byte, bad length, missing CRLF, bad number.
        public static let malformed = Kind(name: "malformed")
        /// A length, count or line beyond `RESPLimits`.
        public static let tooLarge = Kind(name: "tooLarge")
        /// Aggregates nested deeper than `RESPLimits.maximumDepth`.
        public static let tooDeep = Kind(name: "tooDeep")
        public var description: String { name }
    }

    public let kind: Kind
    public let reason: String
    /// Offset of the problem from the start of the value being decoded.
    public let offset: Int

    public init(_ kind: Kind, _ reason: String, offset: Int) {
        self.kind = kind
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "RESPProtocolError(\(kind)) at byte \(offset): \(reason)" }
}

/// How much a reply may claim before the decoder refuses it. A hostile or broken peer can
/// announce a 2 GB bulk string or a billion-element array in a few bytes; the decoder checks
/// every announced size against these before waiting for (or allocating) anything.
public struct RESPLimits: Sendable, Equatable {
    /// Longest bulk string (bytes).
    public var maximumBulkLength: Int
    /// Most elements in one array, set or push (maps: pairs count double).
    public var maximumElementCount: Int
    /// Deepest nesting of aggregates.
    public var maximumDepth: Int
    /// Longest simple-string, error or number line (bytes, without CRLF).
    public var maximumLineLength: Int

    public init(maximumBulkLength: Int = 16 * 1024 * 1024, maximumElementCount: Int = 1 << 20,
                maximumDepth: Int = 32, maximumLineLength: Int = 64 * 1024) {
        self.maximumBulkLength = maximumBulkLength
        self.maximumElementCount = maximumElementCount
        self.maximumDepth = maximumDepth
        self.maximumLineLength = maximumLineLength
    }
}
