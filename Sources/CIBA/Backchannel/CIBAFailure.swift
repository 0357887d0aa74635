/// Every way a CIBA authentication can fail, as one error type (jwt-kit pattern).
///
/// `reason` is safe to log and to show an operator: it never contains a token, an
/// `auth_req_id`, a client secret, an assertion, a login hint or a full personal number.
/// Text that came from the provider (`providerErrorDescription`) is sanitised the same way
/// (digit runs and long token-like runs are masked, control characters dropped, length capped).
public struct CIBAFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The outcome class. `code` is the stable lower-case string the dialplan sees in `CIBA_ERROR`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let code: String
        public var description: String { code }

        /// The user declined (or picked the wrong words) in the app.
        public static let accessDenied = Kind(code: "access_denied")
        /// The request expired before the user answered (or the provider said `expired_token`).
        public static let expired = Kind(code: "expired_token")
        /// A valid token for someone else: the configured claim differs from the number entered.
        public static let identityMismatch = Kind(code: "identity_mismatch")
        /// The ID token failed validation; `tokenProblem` says why.
        public static let tokenInvalid = Kind(code: "token_invalid")
        /// The provider answered with an error we cannot act on (status / error / description kept).
        public static let providerError = Kind(code: "provider_error")
        /// No answer: connection failed or the request timed out.
        public static let unreachable = Kind(code: "provider_unreachable")
        /// The provider does not know the user (`unknown_user_id`).
        public static let unknownUser = Kind(code: "unknown_user")
        /// Our side is misconfigured: rejected client credentials, refused URL, bad discovery document.
        public static let configuration = Kind(code: "config_error")
    }

    public let kind: Kind
    /// Safe human-readable explanation.
    public var reason: String
    /// HTTP status of the provider answer that caused this, if any.
    public var status: Int?
    /// The OAuth `error` code the provider sent, if any (sanitised).
    public var providerError: String?
    /// The provider's `error_description`, sanitised.
    public var providerErrorDescription: String?
    /// For `tokenInvalid`: `signature`, `issuer`, `audience`, `expired`, `not_yet_valid`,
    /// `algorithm`, `malformed`, `unknown_key`.
    public var tokenProblem: String?
    /// Token requests sent before this failure.
    public var polls: Int

    public init(_ kind: Kind, _ reason: String, status: Int? = nil, providerError: String? = nil,
                providerErrorDescription: String? = nil, tokenProblem: String? = nil, polls: Int = 0) {
        self.kind = kind
        self.reason = reason
        self.status = status
        self.providerError = providerError
        self.providerErrorDescription = providerErrorDescription
        self.tokenProblem = tokenProblem
        self.polls = polls
    }

    /// The stable code (`access_denied`, `expired_token`, `identity_mismatch`, `token_invalid`,
    /// `provider_error`, `provider_unreachable`, `unknown_user`, `config_error`).
    public var code: String { kind.code }

    public var description: String {
        var text = kind.code
        if let tokenProblem { text += "(\(tokenProblem))" }
        text += ": \(reason)"
        if let status { text += " [status \(status)" + (providerError.map { " error \($0)" } ?? "") + "]" }
        else if let providerError { text += " [error \(providerError)]" }
        if let providerErrorDescription, !providerErrorDescription.isEmpty { text += " \"\(providerErrorDescription)\"" }
        return text
    }
}
