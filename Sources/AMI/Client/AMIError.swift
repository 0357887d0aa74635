/// Why talking to Asterisk's manager port failed, in words an operator can act on.
///
/// Never contains the AMI secret.
public struct AMIError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// Nothing listens at the configured address, or the connection attempt timed out.
        public static let unreachable = Kind(name: "unreachable")
        /// Asterisk answered `Authentication failed`: check username, secret and `permit=` in manager.conf.
        public static let authenticationFailed = Kind(name: "authenticationFailed")
        /// The peer broke the manager protocol (wrong banner, oversized lines).
        public static let protocolViolation = Kind(name: "protocolViolation")
        /// The connection closed (Asterisk restarted, network, `Logoff`).
        public static let disconnected = Kind(name: "disconnected")
        /// No response to an action within its timeout.
        public static let timedOut = Kind(name: "timedOut")
        /// Asterisk answered `Response: Error` (the message says why, e.g. `No such channel`).
        public static let actionFailed = Kind(name: "actionFailed")
        /// The client is not connected and logged in right now.
        public static let notConnected = Kind(name: "notConnected")
        /// TLS was asked for but could not be set up (CA file, handshake, host name).
        public static let tls = Kind(name: "tls")
        public var description: String { name }
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "AMIError(\(kind)): \(reason)" }
}
