import Foundation
import JOSE
import Testing

/// The real Idura (Criipto) Swedish BankID ID token in `Tests/JOSETests/Fixtures/provider/`.
/// Its signing key is not public, so this proves parsing and clean failure, not a signature.
@Suite("Idura sample ID token")
struct IduraSampleTokenTests {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Fixtures
        .appendingPathComponent("provider/idura-se-bankid-id-token.jwt").path

    private func token() throws -> String {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("Header: RS256 with a kid, typ JWT")
    func header() throws {
        let jws = try CompactJWS.parse(token())
        #expect(jws.header.jwsAlgorithm == .rs256)
        #expect(jws.header.keyID == "827D9A3E98616495AC6FE171AE6DA3B3CA141921")
        #expect(jws.header.type == "JWT")
        #expect(jws.signature.count == 256)
    }

    @Test("Claims: the documented Swedish BankID claim set")
    func claims() throws {
        let claims = try CompactJWS.parse(token()).claims()
        #expect(claims["iss"] == "https://natalia-dev-test.criipto.io")
        #expect(claims["aud"] == "urn:ciba")
        #expect(claims["identityscheme"] == "sebankid")
        #expect(claims["authenticationtype"] == "urn:grn:authn:se:bankid")
        #expect(claims["ssn"] == "196802020575")
        #expect(claims["name"] == "Terne Paulsen")
        #expect(claims["given_name"] == "Terne")
        #expect(claims["family_name"] == "Paulsen")
        #expect(claims["country"] == "SE")
        #expect(claims["sub"]?.stringValue?.hasPrefix("{") == true)
        #expect(claims["iat"]?.intValue == 1716374501)
        #expect(claims["nbf"]?.intValue == 1716374501)
        #expect(claims["exp"]?.intValue == 1716375701)
    }

    @Test("The file as stored (with its trailing newline) is refused: callers must trim")
    func untrimmedRefused() throws {
        let raw = try String(contentsOfFile: Self.path, encoding: .utf8)
        if raw != raw.trimmingCharacters(in: .whitespacesAndNewlines) {
            #expect(throws: JOSEError.self) { try CompactJWS.parse(raw) }
        }
    }

    @Test("Verifying against unrelated keys fails cleanly, never leaking the token")
    func unrelatedKeysFail() throws {
        let text = try token()
        let jws = try CompactJWS.parse(text)
        let verifier = JWSVerifier(allowedAlgorithms: [.rs256])
        var unrelated = try TestKeys.rsa.get().publicJWK(keyID: "827D9A3E98616495AC6FE171AE6DA3B3CA141921")
        let error = #expect(throws: JOSEError.self) { try verifier.verify(jws, key: unrelated) }
        #expect(error?.kind == .badSignature)
        unrelated.kid = "another"
        let unknown = #expect(throws: JOSEError.self) { try verifier.verify(jws, keySet: JWKSet(keys: [unrelated])) }
        #expect(unknown?.kind == .unknownKeyID)
        for failure in [error, unknown].compactMap({ $0 }) {
            for part in text.split(separator: ".") { #expect(!failure.description.contains(part)) }
            #expect(!failure.description.contains("196802020575"))
        }
    }
}
