/// Deterministic UUID-shaped pseudonyms (`sub`, `uniqueuserid`) derived from a number,
/// so a test person keeps the same identifiers across runs, like a real provider's
/// per-tenant pseudonym. Not a secret and not meant to hide the number: simulator only.
enum StablePseudonym {
    /// A lowercase UUID string (version nibble 8: "custom"), e.g. `bb9c2364-dfae-84f3-...`.
    static func uuid(for value: String) -> String {
        let high = fnv1a(value, seed: 0xcbf2_9ce4_8422_2325)
        let low = fnv1a(value, seed: 0x84222325_cbf29ce4)
        var bytes: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
        let chars = Array(hex)
        return "\(String(chars[0..<8]))-\(String(chars[8..<12]))-\(String(chars[12..<16]))-\(String(chars[16..<20]))-\(String(chars[20..<32]))"
    }

    /// Digits derived from `value`, `count` long (for BankID-style `uniqueuserid`).
    static func digits(for value: String, count: Int) -> String {
        var state = fnv1a(value, seed: 0x1234_5678_9abc_def0)
        var out = ""
        for _ in 0..<count {
            out.append(Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8(state % 10))))
            state = state / 10 ^ (state &* 0x100_0000_01b3)
        }
        return out
    }

    private static func fnv1a(_ value: String, seed: UInt64) -> UInt64 {
        var hash = seed
        for byte in "ciba-agi-simulator:\(value)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
