/// An OAuth 2.0 error answer (`{"error": "...", "error_description": "..."}`), sanitised on parse.
struct OAuthErrorResponse: Sendable {
    let status: Int
    /// The error code, restricted to `[A-Za-z0-9_.-]`.
    let error: String
    /// The description with digit runs, token-like runs and known secrets masked.
    let description: String?

    /// Parses `response` when it is a 4xx with a JSON object holding a string `error`.
    static func parse(_ response: HTTPTransportResponse, redacting secrets: [String]) -> OAuthErrorResponse? {
        guard (400..<500).contains(response.status), let object = JSONText.object(response.body),
              let code = JSONText.string(object, "error"), let safeCode = SafeText.errorCode(code) else { return nil }
        let description = JSONText.string(object, "error_description").flatMap { SafeText.sanitize($0, redacting: secrets) }
        return OAuthErrorResponse(status: response.status, error: safeCode, description: description)
    }

    func failure(_ kind: CIBAFailure.Kind, _ reason: String, polls: Int = 0) -> CIBAFailure {
        CIBAFailure(kind, reason, status: status, providerError: error, providerErrorDescription: description, polls: polls)
    }
}
