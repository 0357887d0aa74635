import Sockets
import TLS

/// What the client needs from a connection: plain TCP, or TLS over it for `rediss://`.
/// Same contract as `TCPConnection` (one reader, writers in call order, `[]` at EOF).
public protocol RedisByteStream: AnyObject, Sendable {
    func read(maxBytes: Int, timeout: Duration?) async throws -> [UInt8]
    func write(_ bytes: [UInt8], timeout: Duration?) async throws
    func close()
}

extension TCPConnection: RedisByteStream {}

/// `rediss://`: a TLS connection (from the TLS module) is a Redis byte stream too. Declared here,
/// beside the protocol, so the conformance has one owner.
extension TLSConnection: RedisByteStream {}
