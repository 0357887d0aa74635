import Foundation
import JOSE
import Testing

/// No error text may contain a token, a signature, key material or claim values.
@Suite("Error texts are safe to log")
struct ErrorPrivacyTests {
    private func b64(_ text: String) -> String { Base64URL.encode(Array(text.utf8)) }

    /// Runs `body`, returning the error's description and reason (or nil when nothing was thrown).
    private func failureText(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return "\(error) \(String(reflecting: error)) \((error as? JOSEError)?.reason ?? "")"
        }
    }

    @Test("Errors from hostile tokens and keys never echo their input")
    func errorsNeverEchoInput() throws {
        let rsa = try TestKeys.rsa.get()
        let p256 = try TestKeys.p256.get()
        let rsaJWK = try rsa.publicJWK(keyID: nil, algorithm: nil)
        let ecJWK = try p256.publicJWK(keyID: nil, algorithm: nil)
        let secretClaims: [String: JSONValue] = ["ssn": "196802020575", "name": "Terne Paulsen"]
        let validRSA = try JWTSigner(key: rsa, keyID: "k1").sign(claims: secretClaims)
        let validEC = try JWTSigner(key: p256, keyID: "k2").sign(claims: secretClaims)
        let verifier = JWSVerifier(allowedAlgorithms: [.rs256, .es256])

        var tokens = [validRSA, validEC]
        tokens.append(Tokenforge.replacingPayload(validRSA, with: #"{"ssn":"196802020576"}"#))
        tokens.append(Tokenforge.replacingSignature(validEC, with: Array(repeating: 1, count: 63)))
        tokens.append(b64(#"{"alg":"none"}"#) + "." + b64(#"{"ssn":"196802020575"}"#) + ".")
        tokens.append(b64(#"{"alg":"HS256"}"#) + "." + b64(#"{"ssn":"196802020575"}"#) + "." + b64("sig-196802020575"))
        tokens.append(validRSA + ".extra")
        tokens.append(validRSA.replacingOccurrences(of: ".", with: "=.", options: [], range: nil))
        tokens.append(b64(#"{"alg":"RS256","kid":"196802020575"}"#) + "." + b64(#"{"ssn":"196802020575"}"#) + ".AAAA")
        tokens.append(b64(#"{"alg":"RS256","crit":["196802020575"]}"#) + "." + b64("{}") + ".AAAA")
        tokens.append(b64(#"{"alg":"196802020575"}"#) + "." + b64("{}") + ".AAAA")

        var failures = [String]()
        for token in tokens {
            for key in [rsaJWK, ecJWK] {
                if let text = failureText({ try verifier.verify(CompactJWS.parse(token), key: key) }) { failures.append(text) }
                if let text = failureText({ try verifier.verify(CompactJWS.parse(token), keySet: JWKSet(keys: [key])) }) { failures.append(text) }
            }
            if let text = failureText({ _ = try CompactJWS.parse(token).claims() }) { failures.append(text) }
        }
        let badKeys = [JWK(kty: "RSA", n: rsaJWK.n, e: "AQAA"), JWK(kty: "EC", crv: "P-256", x: ecJWK.x, y: ecJWK.x),
                       JWK(kty: "EC", crv: "P-256", x: (ecJWK.x ?? "") + "=", y: ecJWK.y), JWK(kty: "RSA", n: "3q2-7w", e: "AQAB")]
        for key in badKeys {
            if let text = failureText({ _ = try PublicKey(jwk: key) }) { failures.append(text) }
        }
        let pem = try rsa.pemPKCS8()
        let damagedPEM = pem.replacingOccurrences(of: "BEGIN PRIVATE KEY", with: "BEGIN ENCRYPTED PRIVATE KEY")
        let truncatedPEM = String(pem.prefix(200)) + "\n-----END PRIVATE KEY-----\n"
        for text in [damagedPEM, truncatedPEM] {
            if let failure = failureText({ _ = try PrivateKey(pem: text) }) { failures.append(failure) }
        }
        #expect(failures.count >= tokens.count * 2)

        var secrets = ["196802020575", "Terne", rsaJWK.n ?? "", ecJWK.x ?? "", ecJWK.y ?? ""]
        for token in [validRSA, validEC] {
            secrets += token.split(separator: ".").map(String.init)
        }
        secrets += pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
        for failure in failures {
            for secret in secrets where !secret.isEmpty {
                #expect(!failure.contains(secret), "error text leaks input: \(failure.prefix(120))")
            }
        }
    }
}
