/// Deterministic JSON encoding for signing.
///
/// The same value always encodes to the same bytes: object members sorted by their UTF-8
/// bytes, no insignificant whitespace, integral numbers without a fraction (`1700000000`,
/// never `1700000000.0` or `1.7e9`), `/` not escaped. Non-finite numbers cannot be
/// represented in JSON and make encoding throw.
extension JSONValue {
    /// The deterministic UTF-8 encoding of this value.
    /// - Throws: ``JOSEError/Kind/malformed`` if the value contains NaN or infinity.
    public func encoded() throws -> [UInt8] {
        var output = [UInt8]()
        try JSONValue.write(self, into: &output)
        return output
    }

    /// The deterministic encoding as a `String` (see ``encoded()``).
    public func encodedString() throws -> String {
        String(decoding: try encoded(), as: UTF8.self)
    }

    private static func write(_ value: JSONValue, into output: inout [UInt8]) throws {
        switch value {
        case .null: output.append(contentsOf: Array("null".utf8))
        case .bool(let flag): output.append(contentsOf: Array((flag ? "true" : "false").utf8))
        case .string(let text): writeString(text, into: &output)
        case .number(let number): output.append(contentsOf: Array(try formatNumber(number).utf8))
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                try write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for (position, key) in keys.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                if let member = members[key] { try write(member, into: &output) }
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func formatNumber(_ number: Double) throws -> String {
        guard number.isFinite else { throw JOSEError.malformed("JSON cannot represent a non-finite number") }
        if number.rounded(.towardZero) == number, abs(number) < 9_007_199_254_740_992 {
            return String(Int64(number))
        }
        // Swift's description is the shortest round-tripping form, valid JSON for finite values.
        return "\(number)"
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
