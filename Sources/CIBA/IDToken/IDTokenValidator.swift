import Foundation
import JOSE

/// Validates an OpenID Connect ID token the way CIBA poll mode requires (OIDC Core §3.1.3.7).
///
/// Order: size → parse → algorithm allow-list (never `none`, never HMAC: an attacker who
/// signs with the provider's PUBLIC key bytes as an HMAC secret must fail) → key lookup by
/// `kid` → signature → `iss` (exact) → `aud` contains the client id → `azp` → `exp` →
/// `iat`/`nbf` → the expected claim. Every failure is a ``CIBAFailure`` of kind
/// `tokenInvalid` with `tokenProblem` set, except a wrong person (`identityMismatch`).
/// No failure text contains the token or a claim value.
public struct IDTokenValidator: Sendable {
    public var issuer: String
    public var clientID: String
    /// Effective allow-list: `none` and HS* are always removed.
    public var allowedAlgorithms: Set<JWSAlgorithm>
    public var clockSkew: Duration
    public var maxTokenBytes: Int
    /// Wall-clock time for `exp`/`iat`/`nbf` (token times are Unix times, not the poll clock).
    public var now: @Sendable () -> Date

    public init(issuer: String, clientID: String,
                allowedAlgorithms: Set<JWSAlgorithm> = [.rs256, .rs384, .rs512, .ps256, .ps384, .ps512, .es256, .es384],
                clockSkew: Duration = .seconds(60), maxTokenBytes: Int = 16_384,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.issuer = issuer
        self.clientID = clientID
        self.allowedAlgorithms = allowedAlgorithms.filter { !IDTokenValidator.isForbidden($0.rawValue) }
        self.clockSkew = min(max(clockSkew, .zero), .seconds(60))
        self.maxTokenBytes = maxTokenBytes
        self.now = now
    }

    public init(settings: ProviderSettings, now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(issuer: settings.issuer.absoluteString, clientID: settings.clientID,
                  allowedAlgorithms: settings.allowedAlgorithms, clockSkew: settings.clockSkew,
                  maxTokenBytes: settings.maxIDTokenBytes, now: now)
    }

    static func isForbidden(_ algorithm: String) -> Bool {
        let upper = algorithm.uppercased()
        return upper == "NONE" || upper.hasPrefix("HS")
    }

    static func invalid(_ problem: String, _ reason: String) -> CIBAFailure {
        CIBAFailure(.tokenInvalid, reason, tokenProblem: problem)
    }

    /// Validates against a fixed key set (no refetch) and returns the claims.
    public func validate(_ token: String, keys: JWKSet,
                         expectedClaim: (name: String, value: String)?) throws(CIBAFailure) -> [String: JSONValue] {
        let jws = try parse(token)
        let candidates = try candidateKeys(for: jws, in: keys)
        guard !candidates.isEmpty else {
            throw IDTokenValidator.invalid("unknown_key", "no key in the provider's JWKS matches the token's key id")
        }
        return try verify(jws, candidates: candidates, expectedClaim: expectedClaim)
    }

    /// Validates using the JWKS cache: refetches once (rate-limited) when the `kid` is unknown,
    /// waiting out the refetch cooldown if `refetchDeadline` (the request's end) allows it.
    func validate(_ token: String, keySource: JWKSCache, expectedClaim: (name: String, value: String)?,
                  refetchDeadline: Duration? = nil) async throws -> [String: JSONValue] {
        let jws = try parse(token)
        var candidates = try candidateKeys(for: jws, in: try await keySource.current())
        if candidates.isEmpty, let refreshed = try await keySource.refetchForUnknownKey(deadline: refetchDeadline) {
            candidates = try candidateKeys(for: jws, in: refreshed)
        }
        guard !candidates.isEmpty else {
            throw IDTokenValidator.invalid("unknown_key", "no key in the provider's JWKS matches the token's key id")
        }
        return try verify(jws, candidates: candidates, expectedClaim: expectedClaim)
    }

    /// Size, structure and algorithm checks, before any key is looked at.
    func parse(_ token: String) throws(CIBAFailure) -> CompactJWS {
        guard token.utf8.count <= maxTokenBytes else {
            throw IDTokenValidator.invalid("malformed", "ID token larger than \(maxTokenBytes) bytes")
        }
        let jws: CompactJWS
        do {
            jws = try CompactJWS.parse(token)
        } catch {
            throw IDTokenValidator.invalid("malformed", "ID token is not a compact JWS")
        }
        let alg = jws.header.algorithm
        guard !IDTokenValidator.isForbidden(alg), allowedAlgorithms.contains(JWSAlgorithm(rawValue: alg)) else {
            throw IDTokenValidator.invalid("algorithm",
                "ID token algorithm '\(SafeText.sanitize(String(alg.prefix(16))) ?? "")' is not allowed")
        }
        return jws
    }

    /// Keys that may have signed `jws`: by `kid` when present, else every signing key of the
    /// right type; always filtered by key type / curve / declared `alg` / `use`.
    func candidateKeys(for jws: CompactJWS, in set: JWKSet) throws(CIBAFailure) -> [JWK] {
        let alg = jws.header.algorithm
        let kid = jws.header.keyID
        let pool = kid == nil ? set.keys : set.keys.filter { $0.kid == kid }
        return pool.filter { key in
            if let use = key.use, use != "sig" { return false }
            if let keyAlg = key.alg, keyAlg != alg { return false }
            switch alg.prefix(2) {
            case "RS", "PS": return key.kty == "RSA"
            case "ES":
                guard key.kty == "EC" else { return false }
                switch alg {
                case "ES256": return key.crv == nil || key.crv == "P-256"
                case "ES384": return key.crv == nil || key.crv == "P-384"
                default: return false
                }
            default: return false
            }
        }
    }

    func verify(_ jws: CompactJWS, candidates: [JWK],
                expectedClaim: (name: String, value: String)?) throws(CIBAFailure) -> [String: JSONValue] {
        let verifier = JWSVerifier(allowedAlgorithms: allowedAlgorithms)
        var verified = false
        var lastProblem = "signature"
        for key in candidates {
            do {
                try verifier.verify(jws, key: key)
                verified = true
                break
            } catch let error as JOSEError {
                lastProblem = IDTokenValidator.problem(for: error)
            } catch {
                lastProblem = "signature"
            }
        }
        guard verified else {
            throw IDTokenValidator.invalid(lastProblem, "ID token signature does not verify")
        }
        let claims: [String: JSONValue]
        do {
            claims = try jws.claims()
        } catch {
            throw IDTokenValidator.invalid("malformed", "ID token payload is not a JSON object")
        }
        try checkClaims(claims, expectedClaim: expectedClaim)
        return claims
    }

    static func problem(for error: JOSEError) -> String {
        switch error.kind {
        case .badSignature: "signature"
        case .algorithmNotAllowed, .unsupportedAlgorithm, .keyMismatch: "algorithm"
        case .malformed: "malformed"
        case .invalidKey, .unknownKeyID: "unknown_key"
        default: "signature"
        }
    }

    /// The registered-claim checks and the identity check (public for callers that verified the
    /// signature elsewhere, and for tests).
    public func checkClaims(_ claims: [String: JSONValue],
                            expectedClaim: (name: String, value: String)?) throws(CIBAFailure) {
        guard case .string(let iss)? = claims["iss"], iss == issuer else {
            throw IDTokenValidator.invalid("issuer", "ID token issuer does not equal the configured issuer")
        }
        var audiences: [String] = []
        switch claims["aud"] {
        case .string(let aud)?: audiences = [aud]
        case .array(let items)?: audiences = items.compactMap { if case .string(let s) = $0 { s } else { nil } }
        default: throw IDTokenValidator.invalid("audience", "ID token has no audience")
        }
        guard audiences.contains(clientID) else {
            throw IDTokenValidator.invalid("audience", "ID token audience does not contain our client id")
        }
        switch claims["azp"] {
        case nil:
            if audiences.count > 1 {
                throw IDTokenValidator.invalid("audience", "ID token has several audiences but no azp")
            }
        case .string(let azp)?:
            guard azp == clientID else {
                throw IDTokenValidator.invalid("audience", "ID token azp is not our client id")
            }
        default:
            throw IDTokenValidator.invalid("audience", "ID token azp is not a string")
        }
        let nowSeconds = now().timeIntervalSince1970
        let skew = Double(clockSkew.components.seconds)
        guard let exp = JSONText.number(claims, "exp") else {
            throw IDTokenValidator.invalid("malformed", "ID token has no numeric exp")
        }
        guard nowSeconds < exp + skew else {
            throw IDTokenValidator.invalid("expired", "ID token has expired")
        }
        guard let iat = JSONText.number(claims, "iat") else {
            throw IDTokenValidator.invalid("malformed", "ID token has no numeric iat")
        }
        guard iat <= nowSeconds + skew else {
            throw IDTokenValidator.invalid("not_yet_valid", "ID token issued in the future")
        }
        if let nbfValue = claims["nbf"] {
            guard case .number(let nbf) = nbfValue else {
                throw IDTokenValidator.invalid("malformed", "ID token nbf is not numeric")
            }
            guard nbf <= nowSeconds + skew else {
                throw IDTokenValidator.invalid("not_yet_valid", "ID token is not valid yet")
            }
        }
        if let expectedClaim {
            guard let value = claims[expectedClaim.name].flatMap(JSONText.text) else {
                throw CIBAFailure(.identityMismatch, "ID token lacks the claim '\(expectedClaim.name)'")
            }
            guard value == expectedClaim.value else {
                throw CIBAFailure(.identityMismatch, "ID token claim '\(expectedClaim.name)' does not match the number entered")
            }
        }
    }
}
