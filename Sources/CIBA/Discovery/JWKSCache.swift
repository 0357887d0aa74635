import Foundation
import JOSE

/// The provider's signing keys, cached for `jwksLifetime`.
///
/// Key rotation: a token whose `kid` is not in the cached set triggers ONE refetch, but at most
/// one per `jwksRefetchCooldown` (measured from the last fetch of any kind), so a stream of
/// tokens with made-up key ids cannot turn us into a request amplifier against the provider.
/// Within the cooldown the request waits for the cooldown to end (if its own deadline allows)
/// instead of failing, so a caller signed with a freshly rotated key is not turned away; every
/// request waiting meanwhile shares that one fetch.
actor JWKSCache {
    private let settings: ProviderSettings
    private let http: ProviderHTTPClient
    private let jwksURI: @Sendable () async throws -> URL
    private var cached: JWKSet?
    private var fetchedAt: Duration?
    private var lastAttempt: Duration?
    /// Why the last fetch failed; nil once one succeeds (for `/readyz`).
    private(set) var lastFailure: CIBAFailure?
    /// When the cached set was fetched (elapsed-clock time); nil before the first success.
    var cachedAt: Duration? { fetchedAt }

    init(settings: ProviderSettings, http: ProviderHTTPClient, jwksURI: @escaping @Sendable () async throws -> URL) {
        self.settings = settings
        self.http = http
        self.jwksURI = jwksURI
    }

    /// The cached set, fetched first if missing or older than `jwksLifetime`.
    func current() async throws -> JWKSet {
        let now = http.clock.now()
        if let cached, let fetchedAt, now - fetchedAt < settings.jwksLifetime { return cached }
        do {
            return try await fetch()
        } catch let failure as CIBAFailure {
            if let cached, failure.kind != .configuration {
                http.logger.warning("ciba.jwks.stale", ["reason": failure.code])
                return cached
            }
            throw failure
        }
    }

    /// The refetch every unknown-`kid` request waits for, and when it fetches.
    private var scheduled: (task: Task<JWKSet, any Error>, at: Duration)?

    /// Refetches because a token named an unknown key: at once when the last fetch is at least
    /// `jwksRefetchCooldown` ago, else when the cooldown ends. `nil` when that is after
    /// `deadline` (the request's own end, elapsed-clock time). Throws the fetch's ``CIBAFailure``
    /// or `CancellationError`.
    func refetchForUnknownKey(deadline: Duration? = nil) async throws -> JWKSet? {
        let now = http.clock.now()
        let at = scheduled?.at ?? max(now, lastAttempt.map { $0 + settings.jwksRefetchCooldown } ?? now)
        if let deadline, at > deadline {
            http.logger.info("ciba.jwks.refetch_suppressed", ["reason": "cooldown ends after the request's deadline"])
            return nil
        }
        let task: Task<JWKSet, any Error>
        if let scheduled {
            task = scheduled.task
        } else {
            task = Task { try await self.fetchWhenDue(at) }
            scheduled = (task, at)
        }
        if at > now {
            http.logger.info("ciba.jwks.refetch_delayed", ["wait_ms": String(Int((at - now) / .milliseconds(1)))])
        }
        // The shared fetch goes on for the other waiters when this one is cancelled.
        return try await SharedTaskWait.value(of: task)
    }

    private func fetchWhenDue(_ at: Duration) async throws -> JWKSet {
        defer { scheduled = nil }
        try await http.clock.sleep(until: at)
        return try await fetch()
    }

    private func fetch() async throws -> JWKSet {
        do {
            let set = try await fetchOnce()
            lastFailure = nil
            return set
        } catch let failure as CIBAFailure {
            lastFailure = failure
            throw failure
        }
    }

    private func fetchOnce() async throws -> JWKSet {
        lastAttempt = http.clock.now()
        let url = try await jwksURI()
        try settings.endpointPolicy.check(url, role: "jwks_uri")
        let request = HTTPTransportRequest(method: "GET", url: url, headers: [("Accept", "application/json")],
                                           timeout: settings.requestTimeout)
        let response = try await http.send(request, endpoint: "jwks")
        guard response.status == 200 else {
            throw CIBAFailure(.providerError, "jwks answered HTTP \(response.status)", status: response.status)
        }
        guard let set = try? JWKSet.parse(response.body) else {
            throw CIBAFailure(.providerError, "jwks document is not a JWK set (\(ResponseHint.describe(response)))",
                              status: response.status)
        }
        cached = set
        fetchedAt = http.clock.now()
        return set
    }
}
