/// An IPv4 or IPv6 network prefix such as `10.0.0.0/8` or `fd00::/8`.
///
/// A bare address (`192.0.2.7`, `::1`) is a /32 or /128 block. IPv4-mapped IPv6 peers
/// (`::ffff:10.1.2.3`, what a dual-stack `[::]` listener reports for IPv4 clients) match
/// IPv4 blocks, so one allow list works whichever way the server listens.
public struct CIDRBlock: Sendable, Hashable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses `a.b.c.d/n` (n 0...32), `v6/n` (n 0...128) or a bare address.
    /// Host bits set below the prefix are cleared (`10.1.2.3/8` means `10.0.0.0/8`).
    public init(parsing text: String) throws {
        let trimmed = text.trimmingSpaces()
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let addressText = String(parts[0])
        guard let address = IPAddress(parsing: addressText) else {
            throw SocketError(.invalidAddress, "bad CIDR address in \"\(addressText.prefix(64))\"")
        }
        let bits = address.bytes.count * 8
        var length = bits
        if parts.count == 2 {
            let lengthText = parts[1]
            guard !lengthText.isEmpty, lengthText.count <= 3, lengthText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let n = Int(lengthText), n <= bits else {
                throw SocketError(.invalidAddress, "bad CIDR prefix length in \"\(trimmed.prefix(64))\"")
            }
            length = n
        }
        self.init(network: address, prefixLength: length)
    }

    /// A block from an address and a prefix length (clamped to the family's width).
    public init(network: IPAddress, prefixLength: Int) {
        let bytes = network.bytes
        let length = max(0, min(prefixLength, bytes.count * 8))
        let masked = CIDRBlock.mask(bytes, length)
        self.network = masked.count == 4 ? .v4(masked[0], masked[1], masked[2], masked[3]) : .v6(masked)
        self.prefixLength = length
        let bits = self.network.bits
        self.storedNetworkBits = Pair(bits.high, bits.low)
        // The prefix as a mask over the 128-bit form (IPv4 sits in the low 32 bits).
        let width = bytes.count * 8
        let hostBits = width - length
        let full = CIDRBlock.ones(128 - hostBits, of: 128)
        let familyMask = width == 32 ? Pair(0, 0xFFFF_FFFF) : Pair(.max, .max)
        self.storedMaskBits = Pair(full.0 & familyMask.high, full.1 & familyMask.low)
    }

    /// Two 64-bit halves (a struct, so the block stays Hashable).
    struct Pair: Hashable, Sendable {
        var high: UInt64, low: UInt64
        init(_ high: UInt64, _ low: UInt64) { self.high = high; self.low = low }
        var tuple: (UInt64, UInt64) { (high, low) }
    }

    private let storedNetworkBits: Pair
    private let storedMaskBits: Pair

    /// A mask with the top `count` of `width` bits set, as high/low halves of 128 bits.
    private static func ones(_ count: Int, of width: Int) -> (UInt64, UInt64) {
        let n = max(0, min(count, 128))
        let high: UInt64 = n >= 64 ? .max : (n == 0 ? 0 : ~UInt64(0) << (64 - n))
        let rest = n - 64
        let low: UInt64 = rest <= 0 ? 0 : (rest >= 64 ? .max : ~UInt64(0) << (64 - rest))
        return (high, low)
    }

    /// Whether the peer's IP lies inside the block (the port is ignored).
    public func contains(_ address: SocketAddress) -> Bool { contains(address.ip) }

    public func contains(_ ip: IPAddress) -> Bool {
        // Runs for every accepted connection: no allocation, two masked 64-bit compares.
        var candidate = ip
        if network.isV4, !ip.isV4, let v4 = ip.mappedIPv4 { candidate = v4 }
        guard candidate.isV4 == network.isV4 else { return false }
        let bits = candidate.bits
        return bits.high & maskBits.high == networkBits.high && bits.low & maskBits.low == networkBits.low
    }

    private var networkBits: (high: UInt64, low: UInt64) { (storedNetworkBits.high, storedNetworkBits.low) }
    private var maskBits: (high: UInt64, low: UInt64) { (storedMaskBits.high, storedMaskBits.low) }

    public var description: String { "\(network)/\(prefixLength)" }

    private static func mask(_ bytes: [UInt8], _ length: Int) -> [UInt8] {
        var out = bytes
        for i in 0..<out.count {
            let bitsHere = length - i * 8
            if bitsHere >= 8 { continue }
            if bitsHere <= 0 { out[i] = 0; continue }
            out[i] &= UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
        }
        return out
    }
}

/// The clients allowed to connect: a peer is permitted when any block contains it.
///
/// An empty list permits nobody; use `AllowList.everyone` (`0.0.0.0/0` and `::/0`) to permit all.
public struct AllowList: Sendable, CustomStringConvertible {
    public let blocks: [CIDRBlock]

    public init(_ blocks: [CIDRBlock]) { self.blocks = blocks }

    /// Parses every entry; throws on the first bad one.
    public init(parsing texts: [String]) throws {
        self.blocks = try texts.map { try CIDRBlock(parsing: $0) }
    }

    /// Every IPv4 and IPv6 peer.
    public static var everyone: AllowList {
        AllowList([CIDRBlock(network: .v4(0, 0, 0, 0), prefixLength: 0),
                   CIDRBlock(network: .v6([UInt8](repeating: 0, count: 16)), prefixLength: 0)])
    }

    /// Loopback only (127.0.0.0/8 and ::1).
    public static var loopback: AllowList {
        AllowList([CIDRBlock(network: .v4(127, 0, 0, 0), prefixLength: 8),
                   CIDRBlock(network: .v6([UInt8](repeating: 0, count: 15) + [1]), prefixLength: 128)])
    }

    public func permits(_ address: SocketAddress) -> Bool {
        blocks.contains { $0.contains(address) }
    }

    public var description: String { blocks.map(\.description).joined(separator: ",") }
}
