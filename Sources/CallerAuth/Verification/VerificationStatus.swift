/// Where one verification stands. `started` and `pending` move on; the others are final.
///
/// - `started`: the record exists; rate limits and bc-authorize are under way.
/// - `pending`: the provider accepted the request (the word pair is known); polling runs.
/// - `verified`: the ID token was valid and matched the number.
/// - `denied`: the user declined in the app (or picked the wrong words).
/// - `expired`: the request expired before the user answered.
/// - `error`: anything else that ended it; the record's `error` says what (a `CIBA_ERROR` code).
/// - `cancelled`: someone stopped it (the caller hung up, an agent cancelled); no poll after it.
public enum VerificationStatus: String, Sendable, Codable, CaseIterable {
    case started, pending, verified, denied, expired, error, cancelled

    /// True for the states a verification never leaves.
    public var isFinal: Bool {
        switch self {
        case .started, .pending: false
        case .verified, .denied, .expired, .error, .cancelled: true
        }
    }

    /// The final status that goes with a `CIBA_ERROR` code.
    static func final(for code: CallErrorCode) -> VerificationStatus {
        switch code {
        case .accessDenied: .denied
        case .expiredToken: .expired
        case .callerHangup, .cancelled: .cancelled
        default: .error
        }
    }
}
