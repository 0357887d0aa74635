import Foundation
import HTTPServer
import IdentityNumbers
import JOSE

extension SimulatedProvider {
    /// `POST /ciba/bc-authorize` (CIBA Core §7), Idura style.
    ///
    /// Order of checks: form body, client authentication (401), `scope` with `openid`,
    /// exactly one hint, `acr_values`, the number, Norwegian `binding_message` (refused),
    /// `authorization_details` JSON, `requested_expiry`, then the person lookup
    /// (`unknown_user_id`). Success answers `auth_req_id`, `expires_in`, `interval`
    /// and, for Norwegian BankID, a `bindingMessage` word pair.
    func backchannelAuthentication(_ request: HTTPRequest, now: Date) -> (HTTPResponse, SimulatedRequest) {
        var entry = SimulatedRequest(endpoint: .backchannel, method: request.method, time: now, status: 0)
        func failure(_ error: OAuthError) -> (HTTPResponse, SimulatedRequest) {
            entry.error = error.error
            return (error.response, entry)
        }

        let form: [String: String]
        switch formParameters(request) {
        case .success(let parameters): form = parameters
        case .failure(let error): return failure(error)
        }
        switch authenticateClient(request, form: form, endpointPath: Paths.backchannel, now: now) {
        case .success(let method): entry.clientAuth = method
        case .failure(let error): return failure(error)
        }

        let scopes = (form["scope"] ?? "").split(separator: " ").map(String.init)
        guard scopes.contains("openid") else {
            return failure(OAuthError(status: 400, error: "invalid_scope", description: "scope must include openid"))
        }

        // Exactly one hint (CIBA Core §7.1).
        let hints = ["login_hint", "login_hint_token", "id_token_hint"].filter { !(form[$0] ?? "").isEmpty }
        guard hints.count == 1, let hintName = hints.first, let hintValue = form[hintName] else {
            return failure(.invalidRequest("exactly one of login_hint, login_hint_token, id_token_hint is required"))
        }
        let candidate: String
        switch hintName {
        case "login_hint":
            candidate = SimulatedProvider.numberCandidate(fromLoginHint: hintValue)
        case "id_token_hint":
            guard let number = numberFromIDTokenHint(hintValue) else {
                return failure(.invalidRequest("id_token_hint is not an ID token issued by this provider"))
            }
            candidate = number
        default:
            return failure(.invalidRequest("login_hint_token is not supported; use login_hint"))
        }

        // acr_values picks the eID; without it the number's length decides.
        let scheme: IdentityScheme
        if let acrValues = form["acr_values"], !acrValues.isEmpty {
            guard let chosen = IdentityScheme.from(acrValues: acrValues) else {
                return failure(.invalidRequest("unsupported acr_values"))
            }
            scheme = chosen
        } else {
            scheme = candidate.filter(\.isNumber).count == 11 ? .norwegianBankID : .swedishBankID
        }
        entry.scheme = scheme
        let kind: NumberKind = scheme == .norwegianBankID ? .noFodselsnummer : .sePersonnummer
        let number: PersonalNumber
        switch PersonalNumber.parse(candidate, kind: kind, today: now) {
        case .success(let parsed):
            number = parsed
            entry.maskedHint = parsed.masked
        case .failure:
            entry.maskedHint = SimulatedProvider.maskUnvalidated(candidate, kind: kind)
            return failure(.invalidRequest("login_hint does not hold a valid \(kind == .sePersonnummer ? "Swedish personnummer" : "Norwegian fødselsnummer")"))
        }

        let bindingMessage = form["binding_message"] ?? ""
        entry.hadBindingMessage = !bindingMessage.isEmpty
        if scheme == .norwegianBankID && !bindingMessage.isEmpty {
            // Idura: do not send a binding_message for Norwegian BankID; the app shows its own word pair.
            return failure(OAuthError(status: 400, error: "invalid_binding_message", description: "binding_message is not supported for Norwegian BankID"))
        }
        if bindingMessage.count > 1500 {
            return failure(OAuthError(status: 400, error: "invalid_binding_message", description: "binding_message is too long"))
        }

        if let details = form["authorization_details"] {
            switch SimulatedProvider.parseAuthorizationDetails(details) {
            case .success(let initiator): entry.callInitiator = initiator
            case .failure(let error): return failure(error)
            }
        } else if let initiator = form["callInitiator"] {
            entry.callInitiator = initiator  // the older tutorial form
        }

        var expiresIn = configuration.expiresIn(for: scheme)
        if let requested = form["requested_expiry"] {
            guard let seconds = Int(requested), seconds > 0 else {
                return failure(.invalidRequest("requested_expiry must be a positive integer"))
            }
            expiresIn = min(expiresIn, seconds)
        }

        guard let person = configuration.persons.first(where: { $0.number == number.normalized && $0.country == scheme.country }),
            person.outcome != .unknownUser
        else {
            return failure(OAuthError(status: 400, error: "unknown_user_id", description: "no user with this identity number"))
        }

        let authRequestID = RandomIdentifier.token()
        let interval = configuration.effectiveInterval
        state.withLock { state in
            // Forget requests long past expiry so a long-running mock provider stays small.
            state.pending = state.pending.filter { $0.value.expiresAt.addingTimeInterval(600) > now }
            state.pending[authRequestID] = PendingAuthentication(
                person: person, scheme: scheme, masked: number.masked, createdAt: now,
                expiresAt: now.addingTimeInterval(TimeInterval(expiresIn)), requiredInterval: TimeInterval(interval))
        }

        var answer: [String: JSONValue] = [
            "auth_req_id": .string(authRequestID),
            "expires_in": .number(Double(expiresIn)),
        ]
        if configuration.announcesInterval { answer["interval"] = .number(Double(interval)) }
        if scheme == .norwegianBankID { answer["bindingMessage"] = .string(NorwegianWordPairs.random()) }
        return (JSONResponses.object(answer), entry)
    }

    /// Parses the form body; refuses other content types and repeated parameters
    /// (RFC 6749 §3.2: parameters must not be included more than once).
    func formParameters(_ request: HTTPRequest) -> Result<[String: String], OAuthError> {
        guard request.mediaType == "application/x-www-form-urlencoded" else {
            return .failure(.invalidRequest("the body must be application/x-www-form-urlencoded"))
        }
        var parameters: [String: String] = [:]
        for (name, value) in request.formItems() {
            guard parameters[name] == nil else { return .failure(.invalidRequest("parameter \(name) is repeated")) }
            parameters[name] = value
        }
        return .success(parameters)
    }

    /// `sub:ssn:196802020575` (Idura) or the bare number (Authway) → the number text.
    static func numberCandidate(fromLoginHint hint: String) -> String {
        let trimmed = hint.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased().hasPrefix("sub:ssn:") { return String(trimmed.dropFirst("sub:ssn:".count)) }
        return trimmed
    }

    /// Masks a hint that did not validate: digits masked by kind, anything else `***`.
    static func maskUnvalidated(_ candidate: String, kind: NumberKind) -> String {
        let digits = candidate.filter { $0.isASCII && $0.isNumber }
        let others = candidate.filter { !($0.isASCII && $0.isNumber) && $0 != "-" && $0 != "+" }
        guard !digits.isEmpty, others.isEmpty else { return "***" }
        return NumberMasking.mask(digits, kind: kind)
    }

    /// Validates `authorization_details` (RFC 9396): a JSON array of objects with a string
    /// `type`; for `phoneAuth`, `callInitiator` must be `user` or `RP`. Returns the call
    /// initiator when present.
    static func parseAuthorizationDetails(_ text: String) -> Result<String?, OAuthError> {
        guard let value = try? JSONValue.parse(text), let items = value.arrayValue else {
            return .failure(.invalidRequest("authorization_details must be a JSON array"))
        }
        var initiator: String?
        for item in items {
            guard let object = item.objectValue, let type = object["type"]?.stringValue else {
                return .failure(.invalidRequest("each authorization_details entry must be an object with a type"))
            }
            if type == "phoneAuth" {
                guard let who = object["callInitiator"]?.stringValue, who == "user" || who == "RP" else {
                    return .failure(.invalidRequest(#"phoneAuth callInitiator must be "user" or "RP""#))
                }
                initiator = who
            }
        }
        return .success(initiator)
    }

    /// The number inside an ID token this provider issued (signature checked against
    /// the published keys), for `id_token_hint`.
    func numberFromIDTokenHint(_ token: String) -> String? {
        guard let jws = try? CompactJWS.parse(token),
            (try? JWSVerifier(allowedAlgorithms: [.rs256]).verify(jws, keySet: jwks)) != nil,
            let claims = try? jws.claims(), claims["iss"]?.stringValue == issuer.absoluteString
        else { return nil }
        return claims["ssn"]?.stringValue ?? claims["socialno"]?.stringValue
    }
}
