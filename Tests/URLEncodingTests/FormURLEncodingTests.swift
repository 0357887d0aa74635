import Testing
import URLEncoding

@Suite struct FormURLEncodingTests {
    @Test func plusIsSpaceAndPercentEscapesDecodeAsUTF8() {
        let pairs = FormURLEncoding.decode("a=two+words&b=%C3%A5%20%2B1&c=&d&e=x%3Dy")
        #expect(pairs.map(\.0) == ["a", "b", "c", "d", "e"])
        #expect(pairs.map(\.1) == ["two words", "å +1", "", "", "x=y"])
    }

    @Test func malformedEscapesStayLiteralInsteadOfFailing() {
        let pairs = FormURLEncoding.decode("a=%zz&b=100%&c=%4")
        #expect(pairs.map(\.1) == ["%zz", "100%", "%4"])
    }

    @Test func pathDecodingKeepsPlus() {
        #expect(FormURLEncoding.percentDecode("/a+b%20c", plusIsSpace: false) == "/a+b c")
    }

    @Test func encodeRoundTripsAwkwardValues() {
        let pairs = [("login_hint", "sub:ssn:196802020575"), ("details", #"[{"type":"phoneAuth"}]"#), ("msg", "Hej & välkommen +46")]
        let encoded = FormURLEncoding.encode(pairs)
        #expect(!encoded.contains(" "))
        #expect(!encoded.contains("\""))
        let decoded = FormURLEncoding.decode(encoded)
        #expect(decoded.map(\.0) == pairs.map(\.0))
        #expect(decoded.map(\.1) == pairs.map(\.1))
    }

    @Test("form encoding escapes everything but unreserved characters; + stays a plus")
    func formEncoding() {
        #expect(FormURLEncoding.encodeComponent("a b+c&d=e/ö") == "a%20b%2Bc%26d%3De%2F%C3%B6")
        #expect(FormURLEncoding.encode([("k 1", "v+1"), ("x", "")]) == "k%201=v%2B1&x=")
        #expect(FormURLEncoding.percentDecode("a+b%2Bc%C3%B6%zz", plusIsSpace: true) == "a b+cö%zz")
        let fields = [("binding_message", "Bank + support & more"), ("authorization_details", #"[{"type":"phoneAuth"}]"#)]
        let decoded = FormURLEncoding.decode(FormURLEncoding.encode(fields))
        #expect(decoded.map(\.0) == fields.map(\.0))
        #expect(decoded.map(\.1) == fields.map(\.1))
    }

}
