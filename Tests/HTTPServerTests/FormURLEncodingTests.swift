import Testing
@testable import HTTPServer

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

    @Test func requestFormParametersLastValueWinsButItemsKeepDuplicates() {
        let request = HTTPRequest(method: "POST", path: "/", body: Array("a=1&a=2&b=x+y".utf8))
        #expect(request.formParameters() == ["a": "2", "b": "x y"])
        #expect(request.formItems().count == 3)
    }

    @Test func headerLookupIsCaseInsensitive() {
        let request = HTTPRequest(method: "GET", path: "/", headers: [("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")])
        #expect(request.header("content-type") == "application/x-www-form-urlencoded; charset=UTF-8")
        #expect(request.mediaType == "application/x-www-form-urlencoded")
        #expect(request.header("missing") == nil)
    }
}
