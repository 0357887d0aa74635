import RESP
import Sockets
import TLS

/// `rediss://` through the TLS module: the server's certificate is verified (chain and host
/// name) against `caFile`, or the system's trust store when it is nil.
enum SharedStateTLS {
    static func upgrade(caFile: String?) throws -> RedisTLSUpgrade {
        let context = try TLSClientContext(TLSClientConfiguration(trustedCAFile: caFile))
        return RedisTLSUpgrade { stream, serverName, timeout in
            guard let tcp = stream as? TCPConnection else {
                throw RedisError(.tlsFailed, "TLS needs a TCP connection underneath")
            }
            return try await TLSConnection.connect(tcp, context: context, serverName: serverName, timeout: timeout)
        }
    }
}

