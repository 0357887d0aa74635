import Glibc

/// Why a socket operation failed.
///
/// Follows the jwt-kit pattern: a `kind` to switch on and a human `reason` that never holds
/// payload bytes (only addresses, errno names and timeouts).
public struct SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The socket (or listener) was closed, locally or by the peer resetting it.
        public static let closed = Kind(name: "closed")
        /// A connect, read or write did not finish within its timeout.
        public static let timedOut = Kind(name: "timedOut")
        /// Nobody listens at the address (ECONNREFUSED).
        public static let connectionRefused = Kind(name: "connectionRefused")
        /// Binding failed because the address is taken (EADDRINUSE).
        public static let addressInUse = Kind(name: "addressInUse")
        /// Text that is not a valid address, port or CIDR block.
        public static let invalidAddress = Kind(name: "invalidAddress")
        /// Any other system call failure; `errno` says which.
        public static let system = Kind(name: "system")
        public var description: String { name }
    }

    public let kind: Kind
    public let reason: String
    /// The `errno` value behind the error, when there was one.
    public let errno: Int32?

    public init(_ kind: Kind, _ reason: String, errno: Int32? = nil) {
        self.kind = kind
        self.reason = reason
        self.errno = errno
    }

    public var description: String { "SocketError(\(kind)): \(reason)" }

    public static func == (lhs: SocketError, rhs: SocketError) -> Bool {
        lhs.kind == rhs.kind && lhs.reason == rhs.reason && lhs.errno == rhs.errno
    }

    /// Maps an `errno` from `operation` to a kind.
    public static func fromErrno(_ code: Int32, _ operation: String) -> SocketError {
        let text = String(cString: strerror(code))
        switch code {
        case ECONNREFUSED: return SocketError(.connectionRefused, "\(operation): \(text)", errno: code)
        case EADDRINUSE: return SocketError(.addressInUse, "\(operation): \(text)", errno: code)
        case ETIMEDOUT: return SocketError(.timedOut, "\(operation): \(text)", errno: code)
        case EPIPE, ECONNRESET, EBADF, ENOTCONN, ECONNABORTED:
            return SocketError(.closed, "\(operation): \(text)", errno: code)
        default: return SocketError(.system, "\(operation): \(text)", errno: code)
        }
    }

    static let closedLocally = SocketError(.closed, "socket closed")
}
