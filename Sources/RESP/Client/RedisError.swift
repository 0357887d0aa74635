/// Why a Redis or Valkey operation failed, in words an operator can act on.
///
/// `reason` names the server (`127.0.0.1:6379`), the command name and what happened; it never
/// contains a password, a key or a value. `serverCode` is the first word of a server error
/// (`WRONGPASS`, `NOAUTH`, `NOSCRIPT`, `ERR`) when the server answered with one.
public struct RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The `redis://` / `rediss://` URL (or another setting) is not usable.
        public static let invalidConfiguration = Kind(name: "invalidConfiguration")
        /// No TCP connection: refused, unreachable, host name unknown.
        public static let connectionFailed = Kind(name: "connectionFailed")
        /// The TLS handshake failed (untrusted certificate, wrong host name, no TLS on the port).
        public static let tlsFailed = Kind(name: "tlsFailed")
        /// The server refused the user name or password, or wants one and got none.
        public static let authenticationFailed = Kind(name: "authenticationFailed")
        /// No answer within `timeoutMilliseconds`; the connection was closed.
        public static let timedOut = Kind(name: "timedOut")
        /// The connection closed (server stopped, network cut) before the answer arrived.
        public static let connectionClosed = Kind(name: "connectionClosed")
        /// Recent attempts failed; the client waits (backoff) before connecting again.
        public static let unavailable = Kind(name: "unavailable")
        /// The server answered this command with an error (`-ERR ...`).
        public static let serverError = Kind(name: "serverError")
        /// The answer was not RESP, exceeded the limits, or had an unexpected type.
        public static let protocolViolation = Kind(name: "protocolViolation")
        /// The client was shut down.
        public static let shutDown = Kind(name: "shutDown")
        public var description: String { name }
    }

    public let kind: Kind
    public let reason: String
    public let serverCode: String?

    public init(_ kind: Kind, _ reason: String, serverCode: String? = nil) {
        self.kind = kind
        self.reason = reason
        self.serverCode = serverCode
    }

    public var description: String { "RedisError(\(kind)): \(reason)" }

    /// The error for a `-...` reply to `command` from `server`. Authentication refusals get
    /// their own kind, so a wrong password is not mistaken for a bug.
    static func fromReply(_ text: String, command: String, server: String) -> RedisError {
        let code = text.split(separator: " ", maxSplits: 1).first.map(String.init) ?? "ERR"
        let lowered = text.lowercased()
        let isAuth = code == "WRONGPASS" || code == "NOAUTH" || code == "NOPERM"
            || (command == "AUTH" && (lowered.contains("password") || lowered.contains("auth")))
        // The server's text never echoes a password; limit its length anyway.
        let shown = text.count > 200 ? String(text.prefix(200)) + "..." : text
        return RedisError(isAuth ? .authenticationFailed : .serverError, "\(server) answered \(command) with: \(shown)", serverCode: code)
    }
}
