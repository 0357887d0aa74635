import Foundation

extension BackchannelAuthenticator {
    /// Checks the client credentials without bothering any user: a token request with a
    /// made-up `auth_req_id`. A provider that authenticated us complains about the grant
    /// (`invalid_grant` / `expired_token`) → accepted; `invalid_client` (or a bare 401) →
    /// rejected; anything else → unknown, with the reason. For `ciba-agi check-config`.
    public func checkCredentials() async -> CredentialCheck {
        let metadata: ProviderMetadata
        do {
            metadata = try await self.metadata()
        } catch {
            return .unknown(reason: "discovery failed: \(error)")
        }
        let madeUp = "ciba-agi-credential-check-\(UUID().uuidString.lowercased())"
        do {
            let request = try formRequest(url: metadata.tokenEndpoint,
                                          fields: [("grant_type", BackchannelAuthenticator.cibaGrantType),
                                                   ("auth_req_id", madeUp)])
            let response = try await http.send(request, endpoint: "token")
            if let error = OAuthErrorResponse.parse(response, redacting: secrets + [madeUp]) {
                switch error.error {
                case "invalid_grant", "expired_token":
                    return .accepted
                case "invalid_client":
                    return .rejected(reason: "invalid_client" + (error.description.map { ": \($0)" } ?? ""))
                default:
                    return .unknown(reason: "HTTP \(error.status) \(error.error)" + (error.description.map { ": \($0)" } ?? ""))
                }
            }
            if response.status == 401 { return .rejected(reason: "HTTP 401 without an OAuth error") }
            return .unknown(reason: "token endpoint answered HTTP \(response.status) (\(ResponseHint.describe(response)))")
        } catch {
            return .unknown(reason: "\(error)")
        }
    }
}
