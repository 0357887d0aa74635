import Glibc
import Sockets
import Synchronization

/// A loopback TCP port held for one test: bound, never listened on, until `release()`.
///
/// Keep it with `defer { reserved.release() }`: Swift may end an object's life after its
/// last use, and an unused reservation would free the port in the middle of the test.
///
/// Why: "bind port 0, close, use the port" gives a port that is free *now*. Tests run in
/// parallel, and the next server that binds port 0 (another test's simulated provider, say)
/// may get that very port, so a test that expected "connection refused" talks to a stranger
/// instead. That happened in CI: a readiness check that should have found the provider missing
/// fetched a stranger's discovery document.
///
/// While this socket holds the port:
/// - a connection to it is refused (nothing listens);
/// - the kernel's port-0 choice skips it (a port with a bound socket conflicts), so no other
///   test is given it;
/// - a server of the test's own may still listen on it, because both sockets set
///   `SO_REUSEADDR` and this one never listens (`TCPListener` sets it; so does `redis-server`).
///   When that server stops, connections are refused again rather than reaching whoever
///   bound the freed port next.
///
/// What can go wrong: a peer that binds without `SO_REUSEADDR` gets `EADDRINUSE` here.
/// Test support only.
public final class ReservedPort: Sendable {
    /// The port held.
    public let port: UInt16
    /// The bound socket; -1 once released.
    private let descriptor: Mutex<Int32>

    /// Binds 127.0.0.1:0 with `SO_REUSEADDR` and keeps the socket, never calling `listen`.
    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError.fromErrno(errno, "socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let any = SocketAddress(ip: .v4(127, 0, 0, 1), port: 0)
        guard any.withSockAddr({ bind(fd, $0, $1) }) == 0, let bound = SocketAddress.of(fd: fd, peer: false) else {
            let error = SocketError.fromErrno(errno, "bind \(any)")
            close(fd)
            throw error
        }
        port = bound.port
        descriptor = Mutex(fd)
    }

    /// `127.0.0.1:PORT`.
    public var address: SocketAddress { SocketAddress(ip: .v4(127, 0, 0, 1), port: port) }

    /// Frees the port. Idempotent.
    public func release() {
        let fd = descriptor.withLock { fd in
            defer { fd = -1 }
            return fd
        }
        if fd >= 0 { close(fd) }
    }

    deinit { release() }
}
