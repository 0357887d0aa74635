import Foundation
import JOSE
import Testing

@Suite("Base64URL")
struct Base64URLTests {
    /// RFC 4648 §10 vectors, in the URL-safe alphabet without padding.
    @Test("RFC 4648 test vectors encode and decode", arguments: [
        ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648Vectors(plain: String, encoded: String) throws {
        #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
        #expect(try Base64URL.decode(encoded) == Array(plain.utf8))
    }

    @Test("URL-safe alphabet: 0xFB 0xFF encodes with - and _")
    func urlSafeAlphabet() throws {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(try Base64URL.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test("Agrees with Foundation's base64 on every length 0...200")
    func agreesWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 0...200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let foundation = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(Base64URL.encode(bytes) == foundation)
            #expect(try Base64URL.decode(foundation) == bytes)
        }
    }

    @Test("Rejects padding, foreign characters, impossible lengths, non-canonical tails", arguments: [
        "Zg==", "Zm8=", "Zm9v=", "Z", "Zm9vY", "Zm+v", "Zm/v", "Zm 9v", "Zm9v\n", "Zh", "Zm9", "Zm9vYh", "Zé", "%3D",
    ])
    func rejectsMalformed(text: String) {
        // "Zh", "Zm9", "Zm9vYh" are non-canonical: the unused trailing bits are set ("Zm9" is "Zm8" plus one bit).
        let error = #expect(throws: JOSEError.self) { try Base64URL.decode(text) }
        #expect(error?.kind == .malformed)
        #expect(error?.description.contains(text) == false)
    }

    @Test("Empty input decodes to no bytes")
    func emptyInput() throws {
        #expect(try Base64URL.decode("") == [])
    }
}
