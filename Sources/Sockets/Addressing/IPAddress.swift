import Glibc

/// An IP address: 4 bytes (IPv4) or 16 bytes (IPv6), network byte order.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt8, UInt8, UInt8, UInt8)
    case v6([UInt8])  // exactly 16 bytes

    /// Parses dotted IPv4 (`10.1.2.3`) or textual IPv6 (`::1`, `::ffff:10.1.2.3`), no brackets, no DNS.
    public init?(parsing text: String) {
        if text.contains(":") {
            var raw = in6_addr()
            guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
            self = .v6(withUnsafeBytes(of: &raw) { Array($0) })
        } else {
            // inet_pton(AF_INET) accepts only the strict dotted-quad form.
            var raw = in_addr()
            guard inet_pton(AF_INET, text, &raw) == 1 else { return nil }
            let b = withUnsafeBytes(of: &raw) { Array($0) }
            self = .v4(b[0], b[1], b[2], b[3])
        }
    }

    /// The bytes, 4 or 16.
    public var bytes: [UInt8] {
        switch self {
        case let .v4(a, b, c, d): [a, b, c, d]
        case let .v6(bytes): bytes
        }
    }

    /// The address as a 128-bit number (IPv4 in the low 32 bits), for allocation-free masking.
    var bits: (high: UInt64, low: UInt64) {
        switch self {
        case let .v4(a, b, c, d):
            return (0, UInt64(a) << 24 | UInt64(b) << 16 | UInt64(c) << 8 | UInt64(d))
        case let .v6(bytes):
            guard bytes.count == 16 else { return (0, 0) }
            var high: UInt64 = 0, low: UInt64 = 0
            for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
            for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
            return (high, low)
        }
    }

    var isV4: Bool { if case .v4 = self { true } else { false } }

    /// For `::ffff:a.b.c.d`, the embedded IPv4 address; otherwise nil.
    public var mappedIPv4: IPAddress? {
        guard case let .v6(b) = self, b.count == 16,
              b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF else { return nil }
        return .v4(b[12], b[13], b[14], b[15])
    }

    /// 127.0.0.0/8, ::1, or an IPv4-mapped loopback.
    public var isLoopback: Bool {
        switch self {
        case let .v4(a, _, _, _): return a == 127
        case let .v6(b):
            if let v4 = mappedIPv4 { return v4.isLoopback }
            return b.count == 16 && b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1
        }
    }

    /// 0.0.0.0 or :: (listen on every interface).
    public var isWildcard: Bool { let b = bits; return b.high == 0 && b.low == 0 }

    /// `10.1.2.3` or the RFC 5952 text of an IPv6 address (`::1`).
    public var description: String {
        switch self {
        case let .v4(a, b, c, d):
            return "\(a).\(b).\(c).\(d)"
        case let .v6(bytes):
            var raw = in6_addr()
            withUnsafeMutableBytes(of: &raw) { dst in
                for i in 0..<min(16, bytes.count) { dst[i] = bytes[i] }
            }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
