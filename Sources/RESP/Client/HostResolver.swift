import Dispatch
import Glibc
import Sockets

/// Host name to address, for `redis://name:port`.
///
/// IP literals and `localhost` never touch the resolver. Names go through `getaddrinfo`, which
/// blocks, so it runs on a serial Dispatch queue of its own: on Linux `DispatchQueue.global()`
/// shares its threads with the cooperative pool (2 threads here), so a slow DNS answer there
/// would stall every task of the process.
enum HostResolver {
    private static let queue = DispatchQueue(label: "ciba-agi.redis.resolver")

    static func resolve(_ host: String, port: UInt16) async throws(RedisError) -> SocketAddress {
        if host.lowercased() == "localhost" { return SocketAddress(ip: .v4(127, 0, 0, 1), port: port) }
        if let ip = IPAddress(parsing: host) { return SocketAddress(ip: ip, port: port) }
        let result: Result<SocketAddress, RedisError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: lookup(host, port: port))
            }
        }
        return try result.get()
    }

    private static func lookup(_ host: String, port: UInt16) -> Result<SocketAddress, RedisError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        guard rc == 0 else {
            return .failure(RedisError(.connectionFailed, "cannot resolve \(host): \(String(cString: gai_strerror(rc)))"))
        }
        var entry = list
        while let info = entry?.pointee {
            if let address = info.ai_addr {
                var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                if info.ai_family == AF_INET {
                    _ = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                        withUnsafePointer(to: v4.pointee.sin_addr) { inet_ntop(AF_INET, $0, &buffer, socklen_t(buffer.count)) }
                    }
                } else if info.ai_family == AF_INET6 {
                    _ = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                        withUnsafePointer(to: v6.pointee.sin6_addr) { inet_ntop(AF_INET6, $0, &buffer, socklen_t(buffer.count)) }
                    }
                }
                let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if let ip = IPAddress(parsing: text) { return .success(SocketAddress(ip: ip, port: port)) }
            }
            entry = info.ai_next
        }
        return .failure(RedisError(.connectionFailed, "\(host) has no IPv4 or IPv6 address"))
    }
}
