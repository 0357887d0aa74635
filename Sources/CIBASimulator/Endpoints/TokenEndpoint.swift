import Foundation
import HTTPServer
import JOSE

extension SimulatedProvider {
    static let cibaGrantType = "urn:openid:params:grant-type:ciba"

    /// What the token endpoint answers one poll, decided under the state lock.
    enum TokenDecision {
        case invalidGrant(String)
        case expired
        case denied
        case pending(String)
        case slowDown
        case issue(person: SimulatedPerson, scheme: IdentityScheme, numberInToken: String, key: SigningKey)
        case serverErrorHTML
        case garbage
        case noAnswer
    }

    /// `POST /oauth2/token` with `grant_type=urn:openid:params:grant-type:ciba` (CIBA Core §10).
    func tokenRequest(_ request: HTTPRequest, now: Date) async -> HTTPResponse {
        var entry = SimulatedRequest(endpoint: .token, method: request.method, time: now, status: 0)
        func answer(_ response: HTTPResponse, error: String? = nil) -> HTTPResponse {
            entry.error = error
            return record(response, entry)
        }
        func failure(_ error: OAuthError) -> HTTPResponse { answer(error.response, error: error.error) }

        let form: [String: String]
        switch formParameters(request) {
        case .success(let parameters): form = parameters
        case .failure(let error): return failure(error)
        }
        switch authenticateClient(request, form: form, endpointPath: Paths.token, now: now) {
        case .success(let method): entry.clientAuth = method
        case .failure(let error): return failure(error)
        }
        guard form["grant_type"] == SimulatedProvider.cibaGrantType else {
            return failure(OAuthError(status: 400, error: "unsupported_grant_type", description: "grant_type must be \(SimulatedProvider.cibaGrantType)"))
        }
        guard let authRequestID = form["auth_req_id"], !authRequestID.isEmpty else {
            return failure(.invalidRequest("auth_req_id is required"))
        }

        let decision = state.withLock { state in decide(authRequestID, now: now, state: &state, entry: &entry) }

        switch decision {
        case .invalidGrant(let reason):
            return failure(OAuthError(status: 400, error: "invalid_grant", description: reason))
        case .expired:
            return failure(OAuthError(status: 400, error: "expired_token", description: "the authentication request has expired"))
        case .denied:
            return failure(OAuthError(status: 400, error: "access_denied", description: "user declined"))
        case .pending(let description):
            return failure(OAuthError(status: 400, error: "authorization_pending", description: description))
        case .slowDown:
            return failure(OAuthError(status: 400, error: "slow_down", description: "polling too fast: add 5 seconds to the interval"))
        case .serverErrorHTML:
            return answer(.html(SimulatedProvider.errorPage, status: 500), error: "server_error")
        case .garbage:
            var response = HTTPResponse.json(Data(#"{"token_type":"Bearer","id_token":"eyJhbGciOi<html>502 Proxy Err"#.utf8))
            response.setHeader("Cache-Control", "no-store")
            return answer(response, error: "garbage")
        case .noAnswer:
            // Hang like a provider that accepted the connection and never answers: the
            // client's own timeout ends it, or shutdown cancels this task.
            entry.error = "no_answer"
            appendRecord(entry)
            try? await Task.sleep(for: configuration.noAnswerDelay)
            return .text("gateway timeout\n", status: 504)
        case .issue(let person, let scheme, let numberInToken, let key):
            var claims = IDTokenClaims.claims(
                person: person, scheme: scheme, numberInToken: numberInToken, issuer: issuer.absoluteString,
                clientID: configuration.clientID, now: now, lifetime: configuration.idTokenLifetime)
            if let certificate = request.tls?.clientCertificate {
                // RFC 8705 §3.1: bound to the certificate of this mutual-TLS connection.
                claims["cnf"] = .object(["x5t#S256": .string(certificate.sha256ThumbprintBase64URL)])
            }
            guard let idToken = try? key.sign(claims) else {
                return answer(OAuthError(status: 500, error: "server_error", description: "token signing failed").response, error: "server_error")
            }
            return answer(JSONResponses.object([
                "token_type": .string("Bearer"),
                "expires_in": .number(Double(configuration.accessTokenLifetime)),
                "id_token": .string(idToken),
                "access_token": .string(RandomIdentifier.uuid()),
            ]))
        }
    }

    /// Advances the request's script by one poll. Runs under the state lock, so two
    /// concurrent polls can never both receive the tokens (single use).
    private func decide(_ id: String, now: Date, state: inout ProviderState, entry: inout SimulatedRequest) -> TokenDecision {
        guard var pending = state.pending[id] else { return .invalidGrant("unknown auth_req_id") }
        pending.polls += 1
        entry.poll = pending.polls
        entry.maskedHint = pending.masked
        entry.scheme = pending.scheme
        defer { state.pending[id] = pending }

        switch pending.phase {
        case .exchanged: return .invalidGrant("auth_req_id was already exchanged")
        case .denied: return .denied
        case .pending: break
        }
        guard now < pending.expiresAt else { return .expired }

        if configuration.enforcesPollingInterval, let last = pending.lastPollAt,
            now.timeIntervalSince(last) + configuration.pollingTolerance < pending.requiredInterval
        {
            pending.requiredInterval += 5
            pending.lastPollAt = now
            return .slowDown
        }
        pending.lastPollAt = now
        pending.scriptedPolls += 1
        let poll = pending.scriptedPolls
        let scheme = pending.scheme

        func issue(numberInToken: String? = nil, rogue: Bool = false) -> TokenDecision {
            guard var key = state.signingKey else { return .serverErrorHTML }
            if rogue {
                // Same kid as the published key, different key: the signature cannot verify.
                guard let rogueKey = SigningKey.rogue else { return .serverErrorHTML }
                key = SigningKey(key: rogueKey, keyID: key.keyID, jwk: key.jwk)
            }
            pending.phase = .exchanged
            return .issue(person: pending.person, scheme: scheme, numberInToken: numberInToken ?? pending.person.number, key: key)
        }

        switch pending.person.outcome {
        case .approve(let afterPolls):
            return poll <= afterPolls ? .pending(scheme.pendingDescription(poll: poll)) : issue()
        case .deny(let afterPolls):
            if poll <= afterPolls { return .pending(scheme.pendingDescription(poll: poll)) }
            pending.phase = .denied
            return .denied
        case .expire:
            return .pending(scheme.pendingDescription(poll: poll))
        case .slowDownThenApprove:
            switch poll {
            case 1:
                pending.requiredInterval += 5
                return .slowDown
            case 2: return .pending(scheme.pendingDescription(poll: 1))
            default: return issue()
            }
        case .unknownUser:
            return .invalidGrant("unknown auth_req_id")
        case .identityMismatch:
            return poll <= 1 ? .pending(scheme.pendingDescription(poll: poll)) : issue(numberInToken: SimulatedPerson.mismatchNumber(for: scheme))
        case .invalidSignature:
            return poll <= 1 ? .pending(scheme.pendingDescription(poll: poll)) : issue(rogue: true)
        case .providerError500HTML:
            return .serverErrorHTML
        case .garbageJSON:
            return .garbage
        case .noAnswer:
            return .noAnswer
        }
    }

    static let errorPage = """
        <!DOCTYPE html>
        <html><head><title>500 Internal Server Error</title></head>
        <body><h1>Internal Server Error</h1><p>The server encountered an internal error and was unable to complete your request.</p></body></html>

        """
}
