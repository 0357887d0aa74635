import CIBA
import StructuredLogging

/// The two CIBA calls the engine makes. ``BackchannelAuthenticator`` is the real client;
/// tests script the provider's answers behind this protocol to see every poll.
///
/// Both must honour task cancellation: a cancelled `pollForIdentity` sends no further request
/// and throws `CancellationError`.
public protocol BackchannelClient: Sendable {
    /// bc-authorize. Throws ``CIBAFailure`` or `CancellationError`.
    func start(_ request: BackchannelRequest, logger: Logger?) async throws -> BackchannelGrant
    /// Polls until the user answers; returns the validated identity. Throws ``CIBAFailure`` or `CancellationError`.
    func pollForIdentity(_ grant: BackchannelGrant, expectedClaim: (name: String, value: String)?, logger: Logger?,
                         onEvent: @escaping @Sendable (PollEvent) async -> Void) async throws -> VerifiedIdentity
}

extension BackchannelAuthenticator: BackchannelClient {}
