// fuzz-modules: JOSE
// fuzz-options: -max_len=8192
//
// What JOSE reads from a provider or a config file: compact JWS (every ID token), JWK Sets
// (`jwks_uri`) with each key imported as a verification key, and PEM keys and certificates
// (`privateKeyFile`, pinned provider keys). The first input byte picks the reader (mod 3:
// 0 compact JWS, 1 JWKS, 2 PEM); the rest is the text.
//
// Invariants beyond "no crash":
// - every refusal is a thrown JOSEError (never another error, never a trap);
// - JWS: an accepted token has exactly three parts, within `maximumLength`; each part is the
//   canonical base64url of what was decoded (strict decoding: re-encoding gives the same
//   text); `signingInput` is the first two parts; `claims()` throws or returns an object;
//   and it NEVER verifies against the key set generated at start-up (the fuzzer has no
//   private key, so an accepted signature would be a forgery), with or without a `kid`;
// - JWKS: parse -> JSON -> parse gives the same set; a key that imports exports to PEM
//   that loads back to the same public numbers (and whose own JWK imports again);
// - PEM: a public key or certificate that loads exports SPKI PEM that loads to the same JWK;
//   a private key that loads gives a public JWK that imports, an EC one signs a token that
//   verifies with that JWK; a key's description never holds the PEM text.
import JOSE

/// Keys the fuzzer cannot sign with: generated per process, published as a JWKS.
private let trustedKeys: (set: JWKSet, verifier: JWSVerifier) = {
    do {
        let ec = try PrivateKey.generateP256()
        let rsa = try PrivateKey.generateRSA(bits: 2048)
        let set = JWKSet(keys: [try ec.publicJWK(keyID: "fuzz-ec"), try rsa.publicJWK(keyID: "fuzz-rsa")])
        let verifier = JWSVerifier(allowedAlgorithms: [.es256, .rs256, .ps256])
        // The check below must be able to pass: a token the key really signed verifies.
        let token = try JWTSigner(key: ec, keyID: "fuzz-ec").sign(claims: ["sub": "fuzz"])
        try verifier.verify(CompactJWS.parse(token), keySet: set)
        return (set, verifier)
    } catch {
        check(false, "start-up keys: \(error)")
        fatalError()
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJOSE(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let rest = Array(input.dropFirst())
    switch first % 3 {
    case 0: fuzzCompactJWS(String(decoding: rest, as: UTF8.self))
    case 1: fuzzJWKS(rest)
    default: fuzzPEM(String(decoding: rest, as: UTF8.self))
    }
    return 0
}

/// Runs `body`; a thrown error must be a JOSEError.
private func joseResult<T>(_ what: String, _ body: () throws -> T) -> T? {
    do { return try body() } catch {
        check(error is JOSEError, "\(what) threw \(type(of: error)), not JOSEError")
        return nil
    }
}

private func fuzzCompactJWS(_ text: String) {
    guard let jws = joseResult("CompactJWS.parse", { try CompactJWS.parse(text) }) else { return }
    let bytes = Array(text.utf8)
    check(bytes.count <= CompactJWS.maximumLength, "accepted \(bytes.count) bytes")
    let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    check(parts.count == 3, "accepted \(parts.count) parts")
    check(Array(Base64URL.encode(try! Base64URL.decode(utf8: parts[0])).utf8) == Array(parts[0]), "header is not canonical base64url")
    check(Array(Base64URL.encode(jws.payload).utf8) == Array(parts[1]), "payload is not canonical base64url")
    check(Array(Base64URL.encode(jws.signature).utf8) == Array(parts[2]), "signature is not canonical base64url")
    check(jws.signingInput == Array(parts[0]) + [UInt8(ascii: ".")] + Array(parts[1]), "signingInput is not the first two parts")
    check(!jws.header.algorithm.isEmpty, "empty alg accepted")
    _ = joseResult("claims()", { try jws.claims() })
    let (set, verifier) = trustedKeys
    if joseResult("verify(keySet:)", { try verifier.verify(jws, keySet: set) }) != nil {
        check(false, "a token verified against keys the fuzzer does not have")
    }
    for jwk in set.keys where joseResult("verify(key:)", { try verifier.verify(jws, key: jwk) }) != nil {
        check(false, "a token verified against \(jwk.kid ?? "")")
    }
}

private func stripped(_ member: String?) -> [UInt8] {
    Array(((try? Base64URL.decode(member ?? "")) ?? []).drop { $0 == 0 })
}

private func fuzzJWKS(_ bytes: [UInt8]) {
    guard let set = joseResult("JWKSet.parse", { try JWKSet.parse(bytes) }) else { return }
    let encoded: [UInt8]
    do { encoded = try set.json.encoded() } catch { check(false, "a parsed JWKS cannot be encoded: \(error)"); return }
    guard let again = joseResult("JWKSet.parse(own encoding)", { try JWKSet.parse(encoded) }) else {
        check(false, "own JWKS encoding refused"); return
    }
    check(again == set, "JWKS parse -> encode -> parse changed the set")
    for jwk in set.keys.prefix(4) {
        guard let key = joseResult("PublicKey(jwk:)", { try PublicKey(jwk: jwk) }) else { continue }
        check(key.jwk == jwk, "imported key carries another JWK")
        for member in [jwk.n, jwk.x, jwk.y] { if let member, member.count > 8 { check(!key.description.contains(member), "description holds key numbers") } }
        guard let pem = joseResult("pem()", { try key.pem() }) else { check(false, "an imported key has no PEM"); continue }
        guard let reloaded = joseResult("PublicKey(pem:)", { try PublicKey(pem: pem) }) else {
            check(false, "own SPKI PEM refused"); continue
        }
        switch jwk.kty {
        case "RSA":
            check(stripped(reloaded.jwk.n) == stripped(jwk.n) && stripped(reloaded.jwk.e) == stripped(jwk.e), "RSA numbers changed through PEM")
        default:
            check(reloaded.jwk.crv == jwk.crv && reloaded.jwk.x == jwk.x && reloaded.jwk.y == jwk.y, "EC point changed through PEM")
        }
        check(joseResult("PublicKey(jwk: exported)", { try PublicKey(jwk: reloaded.jwk) }) != nil, "an exported JWK does not import")
    }
}

private func fuzzPEM(_ text: String) {
    if let key = joseResult("PublicKey(pem:)", { try PublicKey(pem: text, keyID: "k") }) {
        check(!key.description.contains("BEGIN"), "description holds PEM")
        guard let pem = joseResult("pem()", { try key.pem() }),
              let reloaded = joseResult("PublicKey(pem: own)", { try PublicKey(pem: pem, keyID: "k") })
        else { check(false, "own SPKI PEM refused"); return }
        check(reloaded.jwk == key.jwk, "SPKI PEM round trip changed the JWK")
        check(joseResult("PublicKey(jwk:)", { try PublicKey(jwk: key.jwk) }) != nil, "the exported JWK does not import")
    }
    if let key = joseResult("PrivateKey(pem:)", { try PrivateKey(pem: text) }) {
        check(!key.description.contains("BEGIN") && !String(describing: key).contains("BEGIN"), "description holds PEM")
        guard let jwk = joseResult("publicJWK", { try key.publicJWK(keyID: "k") }) else { check(false, "no public JWK"); return }
        guard let publicKey = joseResult("PublicKey(jwk:)", { try PublicKey(jwk: jwk) }) else {
            check(false, "the public JWK of a loaded private key does not import"); return
        }
        guard jwk.kty == "EC" else { return }  // RSA signing costs a millisecond; EC proves the pair
        guard let token = joseResult("sign", { try JWTSigner(key: key, keyID: "k").sign(claims: ["x": 1]) }) else {
            check(false, "a loaded EC key cannot sign"); return
        }
        let verifier = JWSVerifier(allowedAlgorithms: [key.defaultAlgorithm])
        check(joseResult("verify own", { try verifier.verify(CompactJWS.parse(token), key: publicKey) }) != nil,
              "a token signed by a loaded key does not verify with its public JWK")
    }
}
