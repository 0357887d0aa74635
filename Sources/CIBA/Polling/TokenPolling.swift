import Foundation
import JOSE
import StructuredLogging

extension BackchannelAuthenticator {
    static let cibaGrantType = "urn:openid:params:grant-type:ciba"
    /// Added to the interval on every `slow_down` (CIBA Core §11: "at least 5 seconds").
    static let slowDownIncrement: Duration = .seconds(5)
    /// Upper bound of the retry backoff after transient failures.
    static let maxBackoff: Duration = .seconds(30)

    /// Polls the token endpoint until the user answers, then validates the ID token.
    ///
    /// - Waits `interval` (default 5 s) after the grant and after every answer before the next
    ///   poll, so polls are never closer than `interval`; `slow_down` adds 5 s for this and all
    ///   later polls.
    /// - Deadline = grant received + `expires_in`: no poll is ever sent at or after it; reaching
    ///   it gives `expired` (or, if the last attempts failed transiently, that failure).
    /// - 5xx, 429, timeouts and network errors are retried with exponential backoff
    ///   (2×, 4×, ... the interval, at most 30 s) inside the deadline.
    /// - Cancelling the calling task stops at once: the in-flight request is cancelled, no
    ///   further request is sent, and `CancellationError` is thrown.
    ///
    /// `expectedClaim`: e.g. `("ssn", "196802020575")`; a different value is `identityMismatch`.
    /// `logger`: this verification's logger (carrying `txn` and `uniqueid`) for the poll and
    /// token-request log lines; nil uses the authenticator's own.
    public func pollForIdentity(_ grant: BackchannelGrant, expectedClaim: (name: String, value: String)?, logger: Logger? = nil,
                                onEvent: @escaping @Sendable (PollEvent) async -> Void) async throws -> VerifiedIdentity {
        let logger = logger ?? self.logger
        var polls = 0
        do {
            let identity = try await poll(grant, expectedClaim: expectedClaim, logger: logger, onEvent: onEvent, polls: &polls)
            logger.info("ciba.poll.finished", ["outcome": "verified", "polls": String(polls)])
            return identity
        } catch var failure as CIBAFailure {
            failure.polls = polls
            logger.info("ciba.poll.finished", ["outcome": failure.code, "polls": String(polls),
                                               "reason": failure.tokenProblem ?? failure.providerError ?? ""])
            throw failure
        } catch {
            logger.info("ciba.poll.finished", ["outcome": "cancelled", "polls": String(polls)])
            throw error
        }
    }

    private func poll(_ grant: BackchannelGrant, expectedClaim: (name: String, value: String)?, logger: Logger,
                      onEvent: @escaping @Sendable (PollEvent) async -> Void, polls: inout Int) async throws -> VerifiedIdentity {
        let metadata = try await metadata()
        let deadline = grant.receivedAt + .seconds(grant.expiresIn)
        var interval = grant.effectiveInterval
        var nextPollAt = grant.receivedAt + interval
        var transientFailures = 0
        var lastTransient: CIBAFailure?
        var providerAnswered = false
        let secrets = self.secrets + [grant.authReqID]
        let tokenFields = [("grant_type", BackchannelAuthenticator.cibaGrantType), ("auth_req_id", grant.authReqID)]
        // Encoded once per grant unless the client authentication must be fresh per request.
        let sharedRequest = client.method.isFreshPerRequest ? nil : try formRequest(url: metadata.tokenEndpoint, fields: tokenFields)

        while true {
            try Task.checkCancellation()
            guard nextPollAt < deadline else {
                if let lastTransient { throw lastTransient }
                throw CIBAFailure(.expired, "the request expired before the user answered")
            }
            try await clock.sleep(until: nextPollAt)
            try Task.checkCancellation()

            var request = try sharedRequest ?? formRequest(url: metadata.tokenEndpoint, fields: tokenFields)
            // The sleep can end past the deadline (a loaded machine, a scaled clock): then the
            // request has expired. Never loop back without sleeping: that would spin.
            let remaining = deadline - clock.now()
            guard remaining > .zero else {
                if let lastTransient { throw lastTransient }
                throw CIBAFailure(.expired, "the request expired before the user answered")
            }
            request.timeout = min(settings.requestTimeout, remaining)
            let cutByExpiry = remaining < settings.requestTimeout
            polls += 1

            let response: HTTPTransportResponse
            do {
                response = try await http.send(request, endpoint: "token", logger: logger)
            } catch let failure as CIBAFailure where failure.kind == .unreachable {
                // A last poll whose timeout was cut short by the expiry, to a provider that has
                // been answering: the request simply expired while we waited.
                if cutByExpiry && providerAnswered {
                    throw CIBAFailure(.expired, "the request expired before the user answered")
                }
                transientFailures += 1
                lastTransient = failure
                let delay = backoff(interval: interval, failures: transientFailures)
                nextPollAt = clock.now() + delay
                await onEvent(.retrying(reason: failure.code, poll: polls, retryIn: delay))
                continue
            }
            let answeredAt = clock.now()
            providerAnswered = true

            if response.status == 200 {
                return try await identity(from: response, expectedClaim: expectedClaim, polls: polls, deadline: deadline)
            }
            if let error = OAuthErrorResponse.parse(response, redacting: secrets) {
                switch error.error {
                case "authorization_pending":
                    transientFailures = 0
                    lastTransient = nil
                    nextPollAt = answeredAt + interval
                    await onEvent(.pending(description: error.description, poll: polls))
                    continue
                case "slow_down":
                    transientFailures = 0
                    lastTransient = nil
                    interval += BackchannelAuthenticator.slowDownIncrement
                    nextPollAt = answeredAt + interval
                    logger.info("ciba.poll.slow_down", ["interval_s": String(interval.components.seconds)])
                    await onEvent(.slowDown(newInterval: interval, poll: polls))
                    continue
                case "expired_token":
                    // The grant ran out while the provider's recent answers were transient
                    // failures (5xx, timeouts): that failure is the cause an operator can act
                    // on, as at our own deadline above. The provider's clock can pass the expiry
                    // a little before ours, so either side may be the one that notices.
                    if let lastTransient { throw lastTransient }
                    throw error.failure(.expired, "the provider says the request expired")
                case "access_denied":
                    throw error.failure(.accessDenied, "the user declined")
                case "invalid_grant":
                    if answeredAt >= deadline { throw error.failure(.expired, "the request expired (invalid_grant)") }
                    throw error.failure(.providerError, "the provider no longer accepts this request (invalid_grant)")
                case "invalid_client", "unauthorized_client":
                    throw error.failure(.configuration, "the provider rejected our client credentials (\(error.error))")
                default:
                    throw error.failure(.providerError, "token request failed with \(error.error)")
                }
            }
            if response.status >= 500 || response.status == 429 || response.status == 408 {
                transientFailures += 1
                lastTransient = CIBAFailure(.providerError,
                    "token endpoint answered HTTP \(response.status) (\(ResponseHint.describe(response)))", status: response.status)
                let delay = backoff(interval: interval, failures: transientFailures)
                nextPollAt = answeredAt + delay
                await onEvent(.retrying(reason: "http_\(response.status)", poll: polls, retryIn: delay))
                continue
            }
            if response.status == 401 {
                throw CIBAFailure(.configuration, "the provider rejected our client credentials (HTTP 401)", status: 401)
            }
            if response.status == 404 { await metadataCache.invalidate() }
            throw CIBAFailure(.providerError, "token endpoint answered HTTP \(response.status) (\(ResponseHint.describe(response)))",
                              status: response.status)
        }
    }

    /// `interval × 2^failures`, capped at `max(interval, 30 s)`.
    func backoff(interval: Duration, failures: Int) -> Duration {
        let factor = 1 << min(failures, 6)
        return min(interval * factor, max(interval, BackchannelAuthenticator.maxBackoff))
    }

    /// `deadline`: the grant's expiry; an unknown signing key may wait for a JWKS refetch until then.
    private func identity(from response: HTTPTransportResponse, expectedClaim: (name: String, value: String)?,
                          polls: Int, deadline: Duration) async throws -> VerifiedIdentity {
        guard let object = JSONText.object(response.body) else {
            throw CIBAFailure(.providerError, "token answer is not a JSON object (\(ResponseHint.describe(response)))",
                              status: response.status)
        }
        guard let idToken = JSONText.string(object, "id_token") else {
            throw CIBAFailure(.providerError, "token answer has no id_token", status: response.status)
        }
        let claims = try await validator.validate(idToken, keySource: jwksCache, expectedClaim: expectedClaim,
                                                  refetchDeadline: deadline)
        return VerifiedIdentity(claims: claims, polls: polls)
    }
}
