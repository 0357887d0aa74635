/// `CIBA_STATUS` values (CONTRACT §2).
public enum CallStatus: String, Sendable, CaseIterable {
    case verified = "VERIFIED"
    case denied = "DENIED"
    case expired = "EXPIRED"
    case invalid = "INVALID"
    case hangup = "HANGUP"
    case rateLimited = "RATE_LIMITED"
    case error = "ERROR"
    /// Queue mode only: `caller-auth-start` started the verification, which runs on (CONTRACT §8).
    case pending = "PENDING"

    public static var allNames: [String] { allCases.map(\.rawValue) }
}

/// `CIBA_ERROR` values (CONTRACT §2); empty on `VERIFIED`.
public enum CallErrorCode: String, Sendable, CaseIterable {
    case accessDenied = "access_denied"
    case expiredToken = "expired_token"
    case invalidNumber = "invalid_number"
    case noInput = "no_input"
    case callerHangup = "caller_hangup"
    case rateLimited = "rate_limited"
    case identityMismatch = "identity_mismatch"
    case tokenInvalid = "token_invalid"
    case providerError = "provider_error"
    case providerUnreachable = "provider_unreachable"
    case unknownUser = "unknown_user"
    case configError = "config_error"
    /// The AGI dialogue with Asterisk failed (no reply in time, protocol violation): not the caller's doing.
    case agiFailed = "agi_failed"
    /// Someone other than the caller stopped the verification (an agent).
    case cancelled = "cancelled"
    /// `caller-auth-result` found no verification for this call (no `CIBA_TXN`, uniqueid or
    /// linkedid known to this server, or past `verificationRetentionMinutes`).
    case noVerification = "no_verification"

    /// The status that goes with this error.
    public var status: CallStatus {
        switch self {
        case .accessDenied: .denied
        case .expiredToken: .expired
        case .invalidNumber, .noInput: .invalid
        case .callerHangup: .hangup
        case .rateLimited: .rateLimited
        case .identityMismatch, .tokenInvalid, .providerError, .providerUnreachable, .unknownUser, .configError, .agiFailed, .cancelled, .noVerification: .error
        }
    }
}
