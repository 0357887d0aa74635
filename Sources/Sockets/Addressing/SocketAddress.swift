import Glibc

/// An IPv4 or IPv6 address with a TCP port.
///
/// Parsing never does DNS: `localhost` is the only name and means `127.0.0.1`.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    public let ip: IPAddress
    public let port: UInt16

    public init(ip: IPAddress, port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// Parses `127.0.0.1:4573`, `[::1]:4573`, `0.0.0.0:0`, `[::]:4573`, `localhost:4573`.
    ///
    /// Throws `SocketError.invalidAddress` for anything else (missing or out-of-range port,
    /// bare IPv6 without brackets, host names).
    public static func parse(_ text: String) throws -> SocketAddress {
        let trimmed = text.trimmingSpaces()
        let hostPart: Substring
        let portPart: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else {
                throw SocketError(.invalidAddress, "missing ']' in \(quoted(trimmed))")
            }
            hostPart = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            let rest = trimmed[trimmed.index(after: close)...]
            guard rest.hasPrefix(":") else { throw SocketError(.invalidAddress, "missing port in \(quoted(trimmed))") }
            portPart = rest.dropFirst()
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else {
                throw SocketError(.invalidAddress, "missing port in \(quoted(trimmed))")
            }
            hostPart = trimmed[..<colon]
            portPart = trimmed[trimmed.index(after: colon)...]
            if hostPart.contains(":") {
                throw SocketError(.invalidAddress, "IPv6 addresses need brackets: \(quoted(trimmed))")
            }
        }
        guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = UInt16(portPart) else {
            throw SocketError(.invalidAddress, "bad port in \(quoted(trimmed))")
        }
        let host = String(hostPart)
        if host.lowercased() == "localhost" { return SocketAddress(ip: .v4(127, 0, 0, 1), port: port) }
        guard !host.isEmpty, let ip = IPAddress(parsing: host) else {
            throw SocketError(.invalidAddress, "bad IP address in \(quoted(trimmed))")
        }
        if case .v4 = ip, host.contains(":") { throw SocketError(.invalidAddress, "bad IP address in \(quoted(trimmed))") }
        return SocketAddress(ip: ip, port: port)
    }

    /// The address without the port: `127.0.0.1`, `::1`.
    public var host: String { ip.description }

    public var isLoopback: Bool { ip.isLoopback }

    public var isIPv6: Bool { if case .v6 = ip { true } else { false } }

    /// `127.0.0.1:4573` or `[::1]:4573`.
    public var description: String {
        switch ip {
        case .v4: "\(ip):\(port)"
        case .v6: "[\(ip)]:\(port)"
        }
    }

    /// The same host with another port (e.g. the real port after binding `:0`).
    public func with(port: UInt16) -> SocketAddress { SocketAddress(ip: ip, port: port) }
}

private func quoted(_ text: String) -> String {
    // Error texts echo at most a short, printable prefix of the input.
    let safe = text.unicodeScalars.prefix(64).map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }
    return "\"" + String(safe) + "\""
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

// MARK: - Conversion to and from sockaddr

extension SocketAddress {
    /// Calls `body` with this address as a `sockaddr` of the right family and length
    /// (for `bind`/`connect` on a descriptor of one's own, as `NetworkTesting` does).
    public func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        switch ip {
        case let .v4(a, b, c, d):
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { dst in
                dst[0] = a; dst[1] = b; dst[2] = c; dst[3] = d
            }
            return try withUnsafePointer(to: &sin) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case let .v6(bytes):
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { dst in
                for i in 0..<min(16, bytes.count) { dst[i] = bytes[i] }
            }
            return try withUnsafePointer(to: &sin6) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// Reads an address out of `sockaddr_storage` (AF_INET or AF_INET6), nil for other families.
    init?(storage: UnsafePointer<sockaddr_storage>) {
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            let sin = UnsafeRawPointer(storage).load(as: sockaddr_in.self)
            let ip = withUnsafeBytes(of: sin.sin_addr) { b in IPAddress.v4(b[0], b[1], b[2], b[3]) }
            self.init(ip: ip, port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            let sin6 = UnsafeRawPointer(storage).load(as: sockaddr_in6.self)
            let b = withUnsafeBytes(of: sin6.sin6_addr) { Array($0) }
            self.init(ip: .v6(b), port: UInt16(bigEndian: sin6.sin6_port))
        default:
            return nil
        }
    }

    /// The local (`getsockname`) or remote (`getpeername`) address of `fd`; nil when the call
    /// fails or the family is neither IPv4 nor IPv6.
    public static func of(fd: Int32, peer: Bool) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(fd, $0, &length) : getsockname(fd, $0, &length)
            }
        }
        guard rc == 0 else { return nil }
        return withUnsafePointer(to: &storage) { SocketAddress(storage: $0) }
    }
}
