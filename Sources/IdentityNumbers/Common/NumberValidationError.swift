/// Why an input is not a valid personal identity number.
///
/// Follows the team's error pattern (a struct with static kinds) so new reasons can be added
/// without breaking a `switch`. The text never contains the input: callers that want to log
/// what was typed use ``NumberMasking/mask(_:kind:)``.
///
/// Reasons are checked in this order, and the first that applies is reported:
/// ``Reason/characters`` → ``Reason/length`` → ``Reason/date`` → ``Reason/checksum``.
public struct NumberValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, lower-case reason code (`characters`, `length`, `date`, `checksum`) for prompt logic and logs.
    public struct Reason: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Something other than digits and the allowed separators (spaces, `-`, and for Sweden one `+`).
        public static let characters = Reason(rawValue: "characters")
        /// Too few or too many digits (Sweden: 10 or 12; Norway: 11).
        public static let length = Reason(rawValue: "length")
        /// No real calendar date (including 29 February in a common year), a birth date in the
        /// future, before 1800, or (Norway) an individual number that belongs to no century.
        public static let date = Reason(rawValue: "date")
        /// The check digit(s) do not match (Swedish Luhn, Norwegian mod 11 k1/k2).
        public static let checksum = Reason(rawValue: "checksum")

        public var description: String { rawValue }
    }

    /// Why the input was refused.
    public let reason: Reason
    /// Which number system the input was checked against.
    public let kind: NumberKind

    public init(reason: Reason, kind: NumberKind) {
        self.reason = reason
        self.kind = kind
    }

    public var description: String { "invalid \(kind.rawValue): \(reason.rawValue)" }
}
