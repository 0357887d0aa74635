import Foundation

/// Caches the discovery result for `metadataLifetime`.
///
/// Concurrent callers share one fetch. When a refresh fails and an older document exists, the
/// old one keeps being used (a provider hiccup must not fail calls that would work) and the
/// next call tries again.
actor MetadataCache {
    private let settings: ProviderSettings
    private let http: ProviderHTTPClient
    private var cached: (metadata: ProviderMetadata, fetchedAt: Duration)?
    private var inFlight: Task<ProviderMetadata, any Error>?
    /// Why the last refresh failed; nil once one succeeds (for `/readyz`).
    private(set) var lastFailure: CIBAFailure?

    init(settings: ProviderSettings, http: ProviderHTTPClient) {
        self.settings = settings
        self.http = http
    }

    func metadata() async throws -> ProviderMetadata {
        if let fixed = try ProviderMetadata.fromSettings(settings) { return fixed }
        let now = http.clock.now()
        if let cached, now - cached.fetchedAt < settings.metadataLifetime { return cached.metadata }
        if let inFlight { return try await inFlight.value }
        let task = Task { [settings, http] in try await MetadataCache.fetch(settings: settings, http: http) }
        inFlight = task
        defer { inFlight = nil }
        do {
            let metadata = try await task.value
            cached = (metadata, http.clock.now())
            lastFailure = nil
            return metadata
        } catch let failure as CIBAFailure {
            lastFailure = failure
            if let cached, failure.kind == .unreachable || failure.kind == .providerError {
                http.logger.warning("ciba.discovery.stale", ["reason": failure.code])
                return cached.metadata
            }
            throw failure
        }
    }

    /// When the cached document was fetched (elapsed-clock time); nil before the first success.
    var fetchedAt: Duration? { cached?.fetchedAt }

    /// Marks the document stale so the next call fetches it again.
    func invalidate() {
        if let current = cached { cached = (current.metadata, current.fetchedAt - settings.metadataLifetime) }
    }

    static func fetch(settings: ProviderSettings, http: ProviderHTTPClient) async throws -> ProviderMetadata {
        try settings.endpointPolicy.check(settings.issuer, role: "issuer")
        guard let url = ProviderMetadata.discoveryURL(for: settings.issuer) else {
            throw CIBAFailure(.configuration, "cannot build the discovery URL from the issuer")
        }
        let request = HTTPTransportRequest(method: "GET", url: url, headers: [("Accept", "application/json")],
                                           timeout: settings.requestTimeout)
        let response = try await http.send(request, endpoint: "discovery")
        guard response.status == 200 else {
            throw CIBAFailure(.providerError, "discovery answered HTTP \(response.status)", status: response.status)
        }
        guard let document = JSONText.object(response.body) else {
            throw CIBAFailure(.providerError, "discovery document is not a JSON object (\(ResponseHint.describe(response)))",
                              status: response.status)
        }
        return try ProviderMetadata.from(document: document, settings: settings)
    }
}

/// A short, safe description of an unexpected response body: content type and length, never the bytes.
enum ResponseHint {
    static func describe(_ response: HTTPTransportResponse) -> String {
        let type = response.header("Content-Type").flatMap { SafeText.sanitize(String($0.prefix(40))) } ?? "no content type"
        return "\(type), \(response.body.count) bytes"
    }
}
