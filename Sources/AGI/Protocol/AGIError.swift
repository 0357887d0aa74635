/// Everything that can go wrong while talking AGI, as one error type with static kinds
/// (the jwt-kit pattern): compare with `error.kind == .deadChannel`.
///
/// `reason` is safe to log: it never holds variable values or personal data.
public struct AGIError: Error, Sendable, Equatable, CustomStringConvertible {
    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// `510 Invalid or unknown command`.
        public static let invalidCommand = Kind("invalidCommand")
        /// `511 Command Not Permitted on a dead channel` (the channel hung up).
        public static let deadChannel = Kind("deadChannel")
        /// `520` wrong usage (the usage text is in the reason).
        public static let usage = Kind("usage")
        /// The command ended because the channel hung up (`result=-1`).
        public static let hangup = Kind("hangup")
        /// The connection to Asterisk is closed; nothing more can be sent.
        public static let closed = Kind("closed")
        /// No reply (or no environment block) within the time limit.
        public static let timedOut = Kind("timedOut")
        /// Asterisk sent something this layer does not understand.
        public static let protocolViolation = Kind("protocolViolation")
        /// An inbound line longer than the session's line limit.
        public static let lineTooLong = Kind("lineTooLong")
        /// The encoded command does not fit Asterisk's 2048-byte command buffer.
        public static let commandTooLong = Kind("commandTooLong")
        /// An argument holds `\n`, `\r` or NUL, which cannot be sent on one line.
        public static let invalidArgument = Kind("invalidArgument")
        /// The environment block exceeded the session's size limit.
        public static let environmentTooLarge = Kind("environmentTooLarge")
    }

    public var description: String { "AGIError.\(kind.name): \(reason)" }

    public static func == (lhs: AGIError, rhs: AGIError) -> Bool {
        lhs.kind == rhs.kind && lhs.reason == rhs.reason
    }
}
