import Testing
@testable import Sockets

/// docs/hardening.md: ports and prefix lengths out of range are invalid addresses.
@Suite("Sockets: out-of-range ports and prefixes")
struct SocketsIntegerRangeTests {
    @Test(arguments: ["127.0.0.1:65536", "127.0.0.1:99999999999999999999", "127.0.0.1:-1", "[::1]:70000"])
    func portOutOfRange(_ text: String) {
        #expect(throws: SocketError.self) { _ = try SocketAddress.parse(text) }
    }

    @Test(arguments: ["10.0.0.0/33", "10.0.0.0/99999999999999999999", "::1/129", "10.0.0.0/-1"])
    func prefixOutOfRange(_ text: String) {
        #expect(throws: (any Error).self) { _ = try CIDRBlock(parsing: text) }
    }
}
