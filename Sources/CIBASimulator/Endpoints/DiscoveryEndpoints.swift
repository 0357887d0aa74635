import HTTPServer
import JOSE

extension SimulatedProvider {
    /// The OpenID Provider metadata (OpenID Connect Discovery 1.0 + CIBA Core §4).
    func discoveryResponse() -> HTTPResponse {
        let issuer = self.issuer.absoluteString
        let methods = ClientAuthMethod.allCases.filter { configuration.allowedClientAuthMethods.contains($0) && isConfigured($0) }
        let strings: ([String]) -> JSONValue = { .array($0.map { .string($0) }) }
        var metadata: [String: JSONValue] = [
            "issuer": .string(issuer),
            "backchannel_authentication_endpoint": .string(backchannelEndpoint.absoluteString),
            "token_endpoint": .string(tokenEndpoint.absoluteString),
            "jwks_uri": .string(jwksURI.absoluteString),
            "backchannel_token_delivery_modes_supported": strings(["poll"]),
            "backchannel_user_code_parameter_supported": .bool(false),
            "token_endpoint_auth_methods_supported": strings(methods.map(\.rawValue)),
            "token_endpoint_auth_signing_alg_values_supported": strings(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]),
            "id_token_signing_alg_values_supported": strings(["RS256"]),
            "grant_types_supported": strings(["urn:openid:params:grant-type:ciba"]),
            "response_types_supported": strings(["id_token"]),
            "subject_types_supported": strings(["pairwise"]),
            "scopes_supported": strings(["openid"]),
            "acr_values_supported": strings(IdentityScheme.allCases.map(\.acr)),
            "claims_supported": strings([
                "iss", "aud", "sub", "iat", "nbf", "exp", "identityscheme", "authenticationtype",
                "authenticationmethod", "authenticationinstant", "nameidentifier", "ssn", "socialno",
                "name", "given_name", "family_name", "givenname", "surname", "birthdate", "uniqueuserid",
                "country", "ipaddress",
            ]),
        ]
        if configuration.tls != nil {
            metadata["tls_client_certificate_bound_access_tokens"] = .bool(true)  // RFC 8705 §3.3
        }
        return JSONResponses.object(metadata)
    }

    /// The RFC 8705 methods need a registered certificate; the others are listed as before.
    private func isConfigured(_ method: ClientAuthMethod) -> Bool {
        switch method {
        case .tlsClientAuth: configuration.tls != nil && configuration.tlsClientAuthSubjectDN != nil
        case .selfSignedTLSClientAuth: configuration.tls != nil && !configuration.selfSignedCertificateThumbprints.isEmpty
        case .clientSecretBasic, .clientSecretPost, .privateKeyJWT: true
        }
    }

    /// The JWKS: the current RS256 key, plus retired keys still published.
    func jwksResponse() -> HTTPResponse {
        var response = JSONResponses.object(["keys": .array(jwks.keys.map { .object($0.json) })])
        response.setHeader("Cache-Control", "public, max-age=60")
        response.headers.removeAll { $0.0 == "Pragma" }
        return response
    }
}
