import URLEncoding
import Foundation
import HTTPServer
import JOSE
import TLS

extension SimulatedProvider {
    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    /// Algorithms accepted on client assertions.
    static let assertionAlgorithms: Set<JWSAlgorithm> = [.rs256, .rs384, .rs512, .ps256, .ps384, .ps512, .es256, .es384]
    /// Clock skew tolerated on assertion `iat`/`nbf`/`exp`.
    static let assertionSkew: TimeInterval = 30

    /// Authenticates the client of a bc-authorize or token request with exactly one of
    /// `client_secret_basic`, `client_secret_post` or `private_key_jwt`.
    ///
    /// - Parameter endpointPath: the path being called; its full URL is an accepted
    ///   assertion audience besides the issuer and the token endpoint.
    /// - Returns: the method used, or an `OAuthError` (401 `invalid_client`; 400
    ///   `invalid_request` when several methods are mixed).
    func authenticateClient(_ request: HTTPRequest, form: [String: String], endpointPath: String, now: Date) -> Result<ClientAuthMethod, OAuthError> {
        let authorization = request.header("Authorization")
        let usesBasic = authorization.map { $0.lowercased().hasPrefix("basic ") } ?? false
        let usesPost = form["client_secret"] != nil
        let usesJWT = form["client_assertion"] != nil || form["client_assertion_type"] != nil
        let used = [usesBasic, usesPost, usesJWT].filter { $0 }.count
        guard used <= 1 else {
            return .failure(.invalidRequest("more than one client authentication method used"))
        }
        if usesBasic, let authorization {
            return authenticateBasic(authorization, form: form)
        }
        if usesPost {
            return authenticatePost(form)
        }
        if usesJWT {
            return authenticateAssertion(form, endpointPath: endpointPath, now: now)
        }
        if let certificate = request.tls?.clientCertificate, form["client_id"] != nil {
            return authenticateCertificate(certificate, verified: request.tls?.clientCertificateVerified ?? false, form: form)
        }
        return .failure(.invalidClient("client authentication required", basic: authorization != nil && configuration.sendsWWWAuthenticate))
    }

    private func authenticateBasic(_ authorization: String, form: [String: String]) -> Result<ClientAuthMethod, OAuthError> {
        guard configuration.allowedClientAuthMethods.contains(.clientSecretBasic), let expectedSecret = configuration.clientSecret else {
            return .failure(.invalidClient("client_secret_basic is not enabled for this client", basic: configuration.sendsWWWAuthenticate))
        }
        let encoded = authorization.dropFirst("basic ".count).trimmingCharacters(in: .whitespaces)
        guard let data = Data(base64Encoded: encoded), let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else {
            return .failure(.invalidClient("malformed Basic credentials", basic: configuration.sendsWWWAuthenticate))
        }
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
        let clientID = FormURLEncoding.percentDecode(decoded[..<colon], plusIsSpace: true)
        let secret = FormURLEncoding.percentDecode(decoded[decoded.index(after: colon)...], plusIsSpace: true)
        if let bodyID = form["client_id"], bodyID != clientID {
            return .failure(.invalidRequest("client_id in the body differs from the authenticated client"))
        }
        guard clientID == configuration.clientID, SecretComparison.equal(secret, expectedSecret) else {
            return .failure(.invalidClient("client authentication failed", basic: configuration.sendsWWWAuthenticate))
        }
        return .success(.clientSecretBasic)
    }

    /// RFC 8705 §2: the TLS client certificate is the credential, `client_id` names the client.
    private func authenticateCertificate(_ certificate: TLSCertificate, verified: Bool, form: [String: String]) -> Result<ClientAuthMethod, OAuthError> {
        guard form["client_id"] == configuration.clientID else {
            return .failure(.invalidClient("unknown client_id", basic: false))
        }
        let allowed = configuration.allowedClientAuthMethods
        if allowed.contains(.tlsClientAuth), let subjectDN = configuration.tlsClientAuthSubjectDN, verified, certificate.subject == subjectDN {
            return .success(.tlsClientAuth)
        }
        if allowed.contains(.selfSignedTLSClientAuth), configuration.selfSignedCertificateThumbprints.contains(certificate.sha256ThumbprintBase64URL) {
            return .success(.selfSignedTLSClientAuth)
        }
        return .failure(.invalidClient("the client certificate is not the registered one (tls_client_auth subject DN or self-signed certificate)", basic: false))
    }

    private func authenticatePost(_ form: [String: String]) -> Result<ClientAuthMethod, OAuthError> {
        guard configuration.allowedClientAuthMethods.contains(.clientSecretPost), let expectedSecret = configuration.clientSecret else {
            return .failure(.invalidClient("client_secret_post is not enabled for this client", basic: false))
        }
        guard let clientID = form["client_id"], clientID == configuration.clientID,
            let secret = form["client_secret"], SecretComparison.equal(secret, expectedSecret)
        else {
            return .failure(.invalidClient("client authentication failed", basic: false))
        }
        return .success(.clientSecretPost)
    }

    private func authenticateAssertion(_ form: [String: String], endpointPath: String, now: Date) -> Result<ClientAuthMethod, OAuthError> {
        func fail(_ reason: String) -> Result<ClientAuthMethod, OAuthError> {
            .failure(.invalidClient(reason, basic: false))
        }
        guard configuration.allowedClientAuthMethods.contains(.privateKeyJWT), !configuration.clientJWKs.isEmpty else {
            return fail("private_key_jwt is not enabled for this client")
        }
        guard form["client_assertion_type"] == SimulatedProvider.assertionType else {
            return fail("client_assertion_type must be \(SimulatedProvider.assertionType)")
        }
        guard let assertion = form["client_assertion"], let jws = try? CompactJWS.parse(assertion) else {
            return fail("client_assertion is not a compact JWS")
        }
        do {
            try JWSVerifier(allowedAlgorithms: SimulatedProvider.assertionAlgorithms)
                .verify(jws, keySet: JWKSet(keys: configuration.clientJWKs))
        } catch {
            return fail("client assertion signature does not verify with the registered keys")
        }
        guard let claims = try? jws.claims() else { return fail("client assertion claims are not a JSON object") }

        let clientID = configuration.clientID
        guard claims["iss"]?.stringValue == clientID, claims["sub"]?.stringValue == clientID else {
            return fail("client assertion iss and sub must both be the client id")
        }
        if let bodyID = form["client_id"], bodyID != clientID {
            return fail("client_id differs from the assertion's client")
        }
        let audiences: [String]
        switch claims["aud"] {
        case .string(let single): audiences = [single]
        case .array(let list): audiences = list.compactMap(\.stringValue)
        default: return fail("client assertion has no aud")
        }
        let accepted = Set([issuer.absoluteString, tokenEndpoint.absoluteString, endpointURL(endpointPath).absoluteString])
        guard audiences.contains(where: accepted.contains) else {
            return fail("client assertion aud must be the issuer or the endpoint URL")
        }
        let nowSeconds = now.timeIntervalSince1970
        guard let exp = claims["exp"]?.doubleValue else { return fail("client assertion has no exp") }
        guard exp > nowSeconds - SimulatedProvider.assertionSkew else { return fail("client assertion expired") }
        guard exp <= nowSeconds + JWTSigner.maximumAssertionLifetime + SimulatedProvider.assertionSkew else {
            return fail("client assertion exp is more than 5 minutes ahead")
        }
        if let iat = claims["iat"] {
            guard let issued = iat.doubleValue, issued <= nowSeconds + SimulatedProvider.assertionSkew else {
                return fail("client assertion iat is in the future")
            }
        }
        if let nbf = claims["nbf"] {
            guard let notBefore = nbf.doubleValue, notBefore <= nowSeconds + SimulatedProvider.assertionSkew else {
                return fail("client assertion is not valid yet")
            }
        }
        guard let jti = claims["jti"]?.stringValue, !jti.isEmpty, jti.utf8.count <= 256 else {
            return fail("client assertion has no jti")
        }
        let fresh = state.withLock { state -> Bool in
            state.pruneUsedAssertionIDs(now: nowSeconds)
            guard state.usedAssertionIDs[jti] == nil else { return false }
            state.usedAssertionIDs[jti] = Date(timeIntervalSince1970: exp)
            return true
        }
        guard fresh else { return fail("client assertion jti was already used") }
        return .success(.privateKeyJWT)
    }
}

extension SimulatedProvider.ProviderState {
    /// Drops the `jti`s whose assertions have expired, at most once a second (or when the
    /// clock went back). Filtering on every assertion made each token request cost
    /// O(live assertions): the flow benchmark's 5,000 polls/s keep ~600,000 alive (120 s
    /// each). A `jti` kept up to a second too long changes nothing: its assertion's `exp`
    /// check refuses it anyway.
    mutating func pruneUsedAssertionIDs(now: TimeInterval) {
        guard now >= assertionIDsPrunedAt + 1 || now < assertionIDsPrunedAt else { return }
        assertionIDsPrunedAt = now
        usedAssertionIDs = usedAssertionIDs.filter { $0.value.timeIntervalSince1970 + SimulatedProvider.assertionSkew >= now }
    }
}
