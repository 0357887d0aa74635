import Foundation
import CIBA
import IdentityNumbers

/// What to verify, for whom, and on whose behalf.
public struct VerificationRequest: Sendable {
    public var profile: Profile
    /// The validated number; nil for caller-id profiles (`loginHintSource: callerid`).
    public var number: PersonalNumber?
    /// The caller id (rate-limit key; the login hint for caller-id profiles). Stored masked only.
    public var callerID: String
    /// `"ivr"` or the agent's name (audit and record).
    public var initiator: String
    public var uniqueID: String?
    public var linkedID: String?
    public var options: CallOptions
    /// The transaction id; the IVR picks it first so `CIBA_TXN` is on the channel before anything else.
    public var txn: String
    /// Receives the full verified identity (every claim) before the final record is saved.
    /// For the starter only (the IVR maps `claimVariables` and `CIBA_ID_NUMBER` from it);
    /// the store keeps nothing beyond ``VerifiedClaims``.
    public var onVerified: (@Sendable (VerifiedIdentity) async -> Void)?

    public init(profile: Profile, number: PersonalNumber?, callerID: String, initiator: String,
                uniqueID: String? = nil, linkedID: String? = nil, options: CallOptions = CallOptions(),
                txn: String = UUID().uuidString.lowercased(), onVerified: (@Sendable (VerifiedIdentity) async -> Void)? = nil) {
        self.profile = profile
        self.number = number
        self.callerID = callerID
        self.initiator = initiator
        self.uniqueID = uniqueID
        self.linkedID = linkedID
        self.options = options
        self.txn = txn
        self.onVerified = onVerified
    }
}
