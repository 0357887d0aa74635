import JOSE
import Testing

@Suite("Compact JWS parsing")
struct CompactJWSTests {
    private func b64(_ text: String) -> String { Base64URL.encode(Array(text.utf8)) }

    @Test("Parses header, payload, signing input and signature of RFC 7515 A.2")
    func parsesA2() throws {
        let jws = try CompactJWS.parse(RFCVectors.A2.token)
        #expect(jws.header.algorithm == "RS256")
        #expect(jws.header.jwsAlgorithm == .rs256)
        #expect(jws.header.keyID == nil)
        #expect(jws.header.type == nil)
        #expect(jws.signature.count == 256)
        let parts = RFCVectors.A2.token.split(separator: ".")
        #expect(jws.signingInput == Array((parts[0] + "." + parts[1]).utf8))
        #expect(try jws.claims() == RFCVectors.joeClaims)
    }

    @Test("Wrong number of parts is malformed", arguments: [
        "a", "a.b", "a.b.c.d", "a.b.c.d.e", "..", "...",
    ])
    func wrongPartCount(token: String) {
        let error = #expect(throws: JOSEError.self) { try CompactJWS.parse(token) }
        #expect(error?.kind == .malformed)
    }

    @Test("JWE-style five-part token with a valid header is refused")
    func fivePartToken() {
        let token = [b64(#"{"alg":"RS256"}"#), "", "", "", ""].joined(separator: ".")
        let error = #expect(throws: JOSEError.self) { try CompactJWS.parse(token) }
        #expect(error?.reason.contains("3 parts") == true)
    }

    @Test("Header must be a JSON object with a string alg", arguments: [
        "[]", #""RS256""#, "{}", #"{"alg":256}"#, #"{"alg":null}"#, #"{"alg":""}"#, #"{"alg":"RS256","alg":"none"}"#,
        #"{"alg":"RS256","kid":7}"#, #"{"alg":"RS256","typ":["JWT"]}"#, "not json", #"{"alg":"RS256"} x"#,
    ])
    func badHeaders(header: String) {
        let token = b64(header) + "." + b64("{}") + "." + "AAAA"
        let error = #expect(throws: JOSEError.self) { try CompactJWS.parse(token) }
        #expect(error?.kind == .malformed)
    }

    @Test("crit: unknown or malformed extensions are refused, an empty list is tolerated")
    func criticalHeader() throws {
        for header in [#"{"alg":"RS256","crit":["exp"],"exp":1}"#, #"{"alg":"RS256","crit":"b64"}"#,
                       #"{"alg":"RS256","crit":[1]}"#, #"{"alg":"RS256","crit":["b64"],"b64":false}"#] {
            let error = #expect(throws: JOSEError.self) { try CompactJWS.parse(b64(header) + "." + b64("{}") + ".AAAA") }
            #expect(error?.kind == .malformed)
        }
        let jws = try CompactJWS.parse(b64(#"{"alg":"RS256","crit":[]}"#) + "." + b64("{}") + ".AAAA")
        #expect(jws.header.fields["crit"] == [])
    }

    @Test("Each part must be strict base64url")
    func strictBase64InEachPart() {
        let header = b64(#"{"alg":"RS256"}"#)
        for token in [header + "=." + b64("{}") + ".AAAA", header + "." + b64("{}") + "=.AAAA",
                      header + "." + b64("{}") + ".AA+A", header + "." + b64("{}") + ".A", " " + header + "." + b64("{}") + ".AAAA",
                      header + "." + b64("{}") + ".AAAA\n"] {
            let error = #expect(throws: JOSEError.self) { try CompactJWS.parse(token) }
            #expect(error?.kind == .malformed)
        }
    }

    @Test("Tokens over 16 KiB are refused before decoding")
    func sizeLimit() {
        let token = b64(#"{"alg":"RS256"}"#) + "." + String(repeating: "A", count: CompactJWS.maximumLength) + ".AAAA"
        let error = #expect(throws: JOSEError.self) { try CompactJWS.parse(token) }
        #expect(error?.reason.contains("longer") == true)
    }

    @Test("claims() requires a JSON object payload")
    func claimsNeedObject() throws {
        for payload in ["[1]", "42", "not json", #"{"a":1,"a":2}"#] {
            let jws = try CompactJWS.parse(b64(#"{"alg":"RS256"}"#) + "." + b64(payload) + ".AAAA")
            let error = #expect(throws: JOSEError.self) { try jws.claims() }
            #expect(error?.kind == .malformed)
        }
    }

    @Test("Header members such as jwk, jku, x5u, x5c stay visible as plain fields")
    func headerFieldsKept() throws {
        let header = #"{"alg":"RS256","kid":"k1","typ":"JWT","jku":"https://evil.example/jwks","x5u":"https://evil.example/c"}"#
        let jws = try CompactJWS.parse(b64(header) + "." + b64("{}") + ".AAAA")
        #expect(jws.header.keyID == "k1")
        #expect(jws.header.type == "JWT")
        #expect(jws.header.fields["jku"]?.stringValue == "https://evil.example/jwks")
    }
}
