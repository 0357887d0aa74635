extension JWK {
    /// The RFC 7638 SHA-256 thumbprint, base64url: a stable key ID derived from the key itself
    /// (only the required members, in lexicographic order, no whitespace).
    /// - Throws: ``JOSEError/Kind/invalidKey`` when a required member is missing or `kty` is not RSA/EC.
    public func thumbprint() throws -> String {
        let members: [String: JSONValue]
        switch kty {
        case "RSA":
            guard let e, let n else { throw JOSEError.invalidKey("RSA JWK needs n and e") }
            members = ["e": .string(e), "kty": "RSA", "n": .string(n)]
        case "EC":
            guard let crv, let x, let y else { throw JOSEError.invalidKey("EC JWK needs crv, x and y") }
            members = ["crv": .string(crv), "kty": "EC", "x": .string(x), "y": .string(y)]
        default:
            throw JOSEError.invalidKey("JWK kty is not supported (RSA and EC are)")
        }
        return Base64URL.encode(try Digest.sha256(JSONValue.object(members).encoded()))
    }
}
