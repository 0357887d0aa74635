/// Who is to be authenticated: exactly one of the three CIBA hints (the enum makes "one" structural).
public enum LoginHint: Sendable, Equatable {
    /// `login_hint`, e.g. `sub:ssn:196802020575` (Idura) or the bare number (Authway).
    case loginHint(String)
    /// `login_hint_token`: a signed token identifying the user.
    case loginHintToken(String)
    /// `id_token_hint`: a previously issued ID token for the user.
    case idTokenHint(String)

    var parameter: (String, String) {
        switch self {
        case .loginHint(let value): ("login_hint", value)
        case .loginHintToken(let value): ("login_hint_token", value)
        case .idTokenHint(let value): ("id_token_hint", value)
        }
    }

    var value: String { parameter.1 }
}

/// The backchannel authentication request (bc-authorize) parameters.
///
/// The hint is personal data: it is sent, never logged.
public struct BackchannelRequest: Sendable {
    public var scope: String
    public var hint: LoginHint
    public var acrValues: String?
    /// Shown in the user's app (Swedish BankID). Norwegian BankID wants none.
    public var bindingMessage: String?
    /// JSON text, e.g. `[{"type":"phoneAuth","callInitiator":"user"}]`; sent form-encoded as is.
    public var authorizationDetails: String?
    /// Seconds the client wants the request to stay valid.
    public var requestedExpiry: Int?
    public var userCode: String?
    /// Further per-profile parameters; must not repeat a parameter this type or client
    /// authentication already sends (that is a configuration error).
    public var extraParameters: [String: String]

    public init(scope: String = "openid", hint: LoginHint, acrValues: String? = nil, bindingMessage: String? = nil,
                authorizationDetails: String? = nil, requestedExpiry: Int? = nil, userCode: String? = nil,
                extraParameters: [String: String] = [:]) {
        self.scope = scope
        self.hint = hint
        self.acrValues = acrValues
        self.bindingMessage = bindingMessage
        self.authorizationDetails = authorizationDetails
        self.requestedExpiry = requestedExpiry
        self.userCode = userCode
        self.extraParameters = extraParameters
    }

    static let reservedNames: Set<String> = [
        "scope", "login_hint", "login_hint_token", "id_token_hint", "acr_values", "binding_message",
        "authorization_details", "requested_expiry", "user_code", "client_id", "client_secret",
        "client_assertion", "client_assertion_type", "grant_type", "auth_req_id",
    ]

    /// The form fields, in a stable order (extra parameters sorted by name).
    func formFields() throws(CIBAFailure) -> [(String, String)] {
        var fields: [(String, String)] = [("scope", scope), hint.parameter]
        if let acrValues { fields.append(("acr_values", acrValues)) }
        if let bindingMessage { fields.append(("binding_message", bindingMessage)) }
        if let authorizationDetails { fields.append(("authorization_details", authorizationDetails)) }
        if let requestedExpiry {
            guard requestedExpiry > 0 else { throw CIBAFailure(.configuration, "requested_expiry must be positive") }
            fields.append(("requested_expiry", String(requestedExpiry)))
        }
        if let userCode { fields.append(("user_code", userCode)) }
        for name in extraParameters.keys.sorted() {
            guard !BackchannelRequest.reservedNames.contains(name) else {
                throw CIBAFailure(.configuration, "extra parameter '\(name)' would repeat a standard parameter")
            }
            fields.append((name, extraParameters[name] ?? ""))
        }
        return fields
    }
}
