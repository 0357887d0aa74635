import Glibc
import Testing
import NetworkTesting
@testable import Sockets

/// `ReservedPort` is what keeps "nobody listens there" tests deterministic under parallel
/// tests, so its three promises are checked against the kernel here.
@Suite("ReservedPort: a held port that refuses, lends itself, and is never handed out")
struct ReservedPortTests {
    @Test func connectionsAreRefusedThenAServerOfOurOwnListensThenRefusedAgain() async throws {
        let reserved = try ReservedPort()
        defer { reserved.release() }
        try await Self.expectRefused(reserved.address)

        let listener = try TCPListener.listen(on: reserved.address)
        #expect(listener.localAddress.port == reserved.port)
        async let accepted = listener.accept()
        let client = try await TCPConnection.connect(to: reserved.address, timeout: .seconds(60))
        let server = try await accepted
        try await client.write([42])
        #expect(try await server.read(timeout: .seconds(60)) == [42])
        client.close()
        server.close()
        listener.close()

        try await Self.expectRefused(reserved.address)
    }

    /// The kernel's port-0 choice skips a port with a bound socket: while it is held, none of
    /// a thousand listeners (a whole test run's worth) is given it.
    @Test func portZeroListenersAreNeverGivenTheHeldPort() throws {
        let reserved = try ReservedPort()
        defer { reserved.release() }
        var listeners: [TCPListener] = []
        defer { for listener in listeners { listener.close() } }
        for _ in 0..<1000 {
            let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
            listeners.append(listener)
            #expect(listener.localAddress.port != reserved.port)
        }
    }

    /// A socket without `SO_REUSEADDR` shares a port with nobody: it cannot bind while the
    /// reservation holds the port, and can once it is released (twice: idempotent).
    @Test func releaseFreesThePort() throws {
        let reserved = try ReservedPort()
        #expect(Self.bindWithoutReuse(reserved.port) == EADDRINUSE)
        reserved.release()
        reserved.release()
        #expect(Self.bindWithoutReuse(reserved.port) == 0)
    }

    /// 0 when a plain socket could bind 127.0.0.1:`port`, else the errno.
    static func bindWithoutReuse(_ port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        let result = SocketAddress(ip: .v4(127, 0, 0, 1), port: port).withSockAddr { bind(fd, $0, $1) }
        return result == 0 ? 0 : errno
    }

    static func expectRefused(_ address: SocketAddress, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        do {
            let connection = try await TCPConnection.connect(to: address, timeout: .seconds(60))
            connection.close()
            Issue.record("connected to \(address), where nothing should listen", sourceLocation: sourceLocation)
        } catch let error as SocketError {
            #expect(error.kind == .connectionRefused, sourceLocation: sourceLocation)
        }
    }
}
