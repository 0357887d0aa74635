/// Why a TLS handshake, read or write failed, or why a TLS configuration cannot be used.
///
/// `kind` is for code to switch on; `reason` is one line an operator can act on
/// ("certificate of 127.0.0.1 not trusted (unable to get local issuer certificate)"). Reasons
/// hold host names, file paths and OpenSSL's reason *texts*, never OpenSSL's numeric codes, key
/// bytes or application data. Plain socket failures underneath (refused, reset, read timeouts)
/// stay `SocketError`s.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// A certificate, key or CA file is missing, unreadable or not valid PEM, or the key does
        /// not match the certificate.
        public static let configuration = Kind(name: "configuration")
        /// The handshake did not finish within its timeout (a silent or very slow peer).
        public static let handshakeTimedOut = Kind(name: "handshakeTimedOut")
        /// The peer closed the connection before the handshake finished.
        public static let closedDuringHandshake = Kind(name: "closedDuringHandshake")
        /// The peer's certificate does not chain to a trusted CA (or is self-signed).
        public static let certificateUntrusted = Kind(name: "certificateUntrusted")
        /// The peer's certificate (or one in its chain) has expired.
        public static let certificateExpired = Kind(name: "certificateExpired")
        /// The peer's certificate is not valid yet (clock skew or a post-dated certificate).
        public static let certificateNotYetValid = Kind(name: "certificateNotYetValid")
        /// The server's certificate is for another host name or IP address.
        public static let hostnameMismatch = Kind(name: "hostnameMismatch")
        /// Any other reason the peer's certificate was refused (bad signature, wrong usage...).
        public static let certificateInvalid = Kind(name: "certificateInvalid")
        /// We require a client certificate and the peer sent none.
        public static let certificateRequired = Kind(name: "certificateRequired")
        /// The peer refused the handshake with an alert: typically our client certificate is
        /// missing, untrusted or expired there, or it does not trust something we sent.
        public static let refusedByPeer = Kind(name: "refusedByPeer")
        /// No protocol version or cipher both ends accept (e.g. the peer only speaks TLS 1.0).
        public static let noCommonProtocol = Kind(name: "noCommonProtocol")
        /// The bytes are not TLS (plain HTTP on a TLS port, garbage) or break the protocol.
        public static let protocolViolation = Kind(name: "protocolViolation")
        /// The connection failed earlier or was closed; nothing more can be read or written.
        public static let connectionFailed = Kind(name: "connectionFailed")
        /// OpenSSL failed for a local reason (memory, an internal error).
        public static let internalFailure = Kind(name: "internalFailure")

        public var description: String { name }
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "TLS: \(reason)" }
}
