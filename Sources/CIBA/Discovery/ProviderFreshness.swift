import Foundation

/// Whether the provider's discovery document or signing keys are fresh, for a readiness probe.
///
/// The caches keep serving an older copy when a refresh fails (a provider hiccup must not fail
/// calls that would work), so "calls still work" and "the provider answers" differ: this says
/// the second. `reason` is one safe line (a ``CIBAFailure/reason``, never a secret).
public struct ProviderFreshness: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Fetched within its lifetime and the last refresh succeeded.
        case fresh
        /// Not fetched at all: the endpoints are in the configuration.
        case configured
        /// An older copy is in use because the last refresh failed.
        case stale
        /// Never fetched successfully.
        case missing
    }

    public var state: State
    public var reason: String

    /// `fresh` or `configured`.
    public var isUsable: Bool { state == .fresh || state == .configured }
}

extension BackchannelAuthenticator {
    /// Refreshes the discovery document if its lifetime is over, then reports how fresh it is.
    /// Bounded by the request timeout of the discovery request itself.
    public func discoveryFreshness() async -> ProviderFreshness {
        do {
            if try ProviderMetadata.fromSettings(settings) != nil {
                return ProviderFreshness(state: .configured, reason: "endpoints configured, no discovery")
            }
            _ = try await metadataCache.metadata()
        } catch {
            return Self.missing(error)
        }
        return Self.freshness(fetchedAt: await metadataCache.fetchedAt, lastFailure: await metadataCache.lastFailure,
                              now: clock.now())
    }

    /// Refreshes the signing keys if their lifetime is over, then reports how fresh they are.
    public func signingKeysFreshness() async -> ProviderFreshness {
        do {
            _ = try await jwksCache.current()
        } catch {
            return Self.missing(error)
        }
        return Self.freshness(fetchedAt: await jwksCache.cachedAt, lastFailure: await jwksCache.lastFailure, now: clock.now())
    }

    private static func missing(_ error: any Error) -> ProviderFreshness {
        if let failure = error as? CIBAFailure {
            return ProviderFreshness(state: .missing, reason: "\(failure.code): \(failure.reason)")
        }
        return ProviderFreshness(state: .missing, reason: error is CancellationError ? "cancelled" : "unexpected error")
    }

    private static func freshness(fetchedAt: Duration?, lastFailure: CIBAFailure?, now: Duration) -> ProviderFreshness {
        let age = fetchedAt.map { "\((now - $0).components.seconds) s ago" } ?? "never"
        if let lastFailure {
            return ProviderFreshness(state: .stale, reason: "copy from \(age) in use; last refresh failed: "
                                     + "\(lastFailure.code): \(lastFailure.reason)")
        }
        return ProviderFreshness(state: .fresh, reason: "fetched \(age)")
    }
}
