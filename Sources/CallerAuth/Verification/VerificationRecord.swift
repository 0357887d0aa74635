import Foundation

/// One verification as the store keeps it and the event stream carries it.
///
/// Nothing personal beyond the masked number and the verified claims: no full number, no
/// full caller id (unless `logCallerId`), no `auth_req_id`, no token. `reason` is operator
/// text that never contains any of those either (it comes from `CIBAFailure.reason`).
public struct VerificationRecord: Sendable, Equatable, Codable {
    /// UUID, lower case; also `CIBA_TXN` and the audit record's `txn`.
    public var txn: String
    public var status: VerificationStatus
    public var profile: String
    /// `"ivr"` or the agent's name.
    public var initiator: String
    /// `19680202****`; empty for caller-id profiles.
    public var numberMasked: String
    /// Masked like numbers (`+467012*****`) unless `logCallerId` is true.
    public var callerIDMasked: String
    /// `agi_uniqueid` of the call (or given by the agent).
    public var uniqueID: String?
    /// `CHANNEL(linkedid)`: the same for every leg of a call, so an agent's leg finds the caller's verification.
    public var linkedID: String?
    /// The word pair (Norwegian BankID binding message) once the provider returned one.
    public var wordPair: String?
    /// A `CIBA_ERROR` code when the status is final and not verified (`cancelled` when an agent cancelled).
    public var error: String?
    /// A safe explanation of a failure, for operators.
    public var reason: String?
    /// Set on `verified`.
    public var claims: VerifiedClaims?
    /// Token requests sent so far (set on the final record).
    public var polls: Int
    /// When the provider's request expires (known from `pending` on).
    public var expiresAt: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(txn: String, status: VerificationStatus, profile: String, initiator: String, numberMasked: String,
                callerIDMasked: String, uniqueID: String? = nil, linkedID: String? = nil, wordPair: String? = nil,
                error: String? = nil, reason: String? = nil, claims: VerifiedClaims? = nil, polls: Int = 0,
                expiresAt: Date? = nil, createdAt: Date, updatedAt: Date) {
        self.txn = txn
        self.status = status
        self.profile = profile
        self.initiator = initiator
        self.numberMasked = numberMasked
        self.callerIDMasked = callerIDMasked
        self.uniqueID = uniqueID
        self.linkedID = linkedID
        self.wordPair = wordPair
        self.error = error
        self.reason = reason
        self.claims = claims
        self.polls = polls
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether this record belongs to the call with this `agi_uniqueid` or `linkedid`.
    public func belongs(toCall callID: String) -> Bool {
        !callID.isEmpty && (uniqueID == callID || linkedID == callID)
    }
}
