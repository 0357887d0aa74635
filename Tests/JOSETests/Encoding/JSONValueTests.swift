import Foundation
import JOSE
import Testing

@Suite("JSONValue")
struct JSONValueTests {
    @Test("Parses every JSON type")
    func parsesTypes() throws {
        let value = try JSONValue.parse(#" {"s":"a\"b\\c\u00e9\ud83d\ude00","n":-12.5e1,"i":1716374501,"t":true,"f":false,"z":null,"a":[1,[],{}]} "#)
        #expect(value["s"]?.stringValue == "a\"b\\cé😀")
        #expect(value["n"]?.doubleValue == -125)
        #expect(value["i"]?.intValue == 1716374501)
        #expect(value["t"]?.boolValue == true)
        #expect(value["f"]?.boolValue == false)
        #expect(value["z"]?.isNull == true)
        #expect(value["a"] == [1, [], [:]])
        #expect(value["missing"] == nil)
        #expect(value["n"]?.intValue == -125)
        #expect(JSONValue.number(1.5).intValue == nil)
    }

    @Test("Rejects malformed and ambiguous JSON", arguments: [
        #"{"a":1,"a":2}"#,            // duplicate member: header confusion
        #"{"a":1,}"#, "[1,]", "{", "[", #"{"a"}"#, #"{"a":}"#, "01", "1.", ".5", "-", "1e", "+1",
        "NaN", "Infinity", "1e999", "tru", "nul", "[1] x", #""\ud800""#, #""\udc00x""#, "\"a\u{01}b\"",
        #""\x""#, "\"unterminated", "\u{FEFF}{}", "",
    ])
    func rejectsMalformed(text: String) {
        let error = #expect(throws: JOSEError.self) { try JSONValue.parse(text) }
        #expect(error?.kind == .malformed)
    }

    @Test("Rejects invalid UTF-8")
    func rejectsInvalidUTF8() {
        #expect(throws: JOSEError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("Rejects nesting deeper than the limit, accepts the limit")
    func nestingLimit() throws {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: JOSEError.self) { try JSONValue.parse(deep) }
        let ok = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
        #expect(try JSONValue.parse(ok).arrayValue != nil)
    }

    @Test("Deterministic encoding: sorted keys, integral numbers without fraction, escapes")
    func deterministicEncoding() throws {
        let value: JSONValue = ["b": 1, "a": ["z": true, "y": nil], "c": 1716374501, "d": 0.5, "e": "q\"\\/\n\u{01}é"]
        #expect(try value.encodedString() == #"{"a":{"y":null,"z":true},"b":1,"c":1716374501,"d":0.5,"e":"q\"\\/\n\u0001é"}"#)
        #expect(try JSONValue.number(-3).encodedString() == "-3")
        #expect(throws: JOSEError.self) { try JSONValue.number(.nan).encoded() }
        #expect(throws: JOSEError.self) { try JSONValue.number(.infinity).encoded() }
    }

    @Test("encode → parse round-trips, and Foundation reads our encoding identically")
    func roundTrip() throws {
        let value: JSONValue = ["iss": "https://x.example", "aud": ["a", "b"], "exp": 1716375701, "ratio": 0.25,
                                "nested": ["deep": [1, 2, ["k": "v"]]], "empty": "", "flag": false]
        let bytes = try value.encoded()
        #expect(try JSONValue.parse(bytes) == value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) == value)
        let reencoded = try JSONEncoder().encode(value)
        #expect(try JSONValue.parse(Array(reencoded)) == value)
    }
}
