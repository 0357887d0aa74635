import Foundation
import JOSE

/// Small helpers to read provider JSON without trusting it.
enum JSONText {
    /// Parses `bytes` as a JSON object; `nil` for anything else (arrays, garbage, HTML).
    static func object(_ bytes: [UInt8]) -> [String: JSONValue]? {
        guard let value = try? JSONValue.parse(bytes), case .object(let object) = value else { return nil }
        return object
    }

    /// Strings as is, integral numbers without a fraction, booleans as `true`/`false`.
    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): return s
        case .number(let d):
            if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
            return String(d)
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    static func string(_ object: [String: JSONValue], _ key: String) -> String? {
        if case .string(let s)? = object[key] { return s }
        return nil
    }

    /// An integral number (or a numeric string, which some providers send) within Int range.
    static func integer(_ object: [String: JSONValue], _ key: String) -> Int? {
        switch object[key] {
        case .number(let d)?:
            guard d.rounded() == d, abs(d) < 1e12 else { return nil }
            return Int(d)
        case .string(let s)?:
            return Int(s)
        default:
            return nil
        }
    }

    static func number(_ object: [String: JSONValue], _ key: String) -> Double? {
        if case .number(let d)? = object[key] { return d }
        return nil
    }
}
