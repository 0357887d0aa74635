// fuzz-modules: JOSE
// fuzz-options: -max_len=4096
//
// JOSE's strict JSON parser (Sources/JOSE/Encoding/JSONParser.swift), which reads every
// JOSE header, claim set, JWKS and discovery document that comes over the network.
//
// Invariants beyond "no crash":
// - `parseLocated` (with line/column errors) accepts exactly what `parse` accepts, with the same value;
// - accepted input is valid UTF-8 and at most `maximumDepth` deep;
// - parse -> encode -> parse gives the same value, and encoding that value again gives the
//   same bytes (the deterministic encoding used for signing is a fixed point);
// - the encoding is never longer than 6x the input plus a few bytes (`\u00XX` for a control
//   character written as its 6-byte escape is the worst case; numbers may grow a little).
import JOSE

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    // The located parser (configuration files) accepts and refuses exactly the same input.
    let located = try? JSONValue.parseLocated(input)
    guard let value = try? JSONValue.parse(input) else {
        check(located == nil, "parseLocated accepted what parse refuses")
        return 0
    }
    check(located == value, "parseLocated and parse disagree")
    check(String(validating: input, as: UTF8.self) != nil, "accepted invalid UTF-8")
    check(depth(value) <= JSONValue.maximumDepth + 1, "accepted nesting deeper than maximumDepth")
    let encoded: [UInt8]
    do { encoded = try value.encoded() } catch { check(false, "a parsed value cannot be encoded: \(error)"); return 0 }
    check(encoded.count <= 6 * input.count + 32, "encoding grew from \(input.count) to \(encoded.count) bytes")
    let reparsed: JSONValue
    do { reparsed = try JSONValue.parse(encoded) } catch {
        check(false, "own encoding rejected: \(error) for \(String(decoding: encoded, as: UTF8.self))"); return 0
    }
    check(reparsed == value, "parse(encode(v)) != v for \(String(decoding: encoded, as: UTF8.self))")
    check((try? reparsed.encoded()) == encoded, "encoding is not a fixed point")
    return 0
}

private func depth(_ value: JSONValue) -> Int {
    switch value {
    case .array(let elements): return 1 + (elements.map(depth).max() ?? 0)
    case .object(let members): return 1 + (members.values.map(depth).max() ?? 0)
    default: return 0
    }
}
