import Foundation

/// What one caller-auth session ended with: the status/error pair of CONTRACT §2 and, on
/// `VERIFIED`, the identity claims that become channel variables.
public struct SessionOutcome: Sendable, Equatable {
    public var status: CallStatus
    /// Empty on `VERIFIED`.
    public var error: String
    /// Channel variables from the identity (`CIBA_SUB`, `CIBA_NAME`, ..., mapped claims), VERIFIED only.
    public var identityVariables: [(String, String)]
    /// The `sub` claim, for the audit log.
    public var sub: String
    /// Token requests made while polling.
    public var polls: Int
    /// A safe explanation for the log (never personal data).
    public var reason: String
    /// Plays this instead of the usual result prompt (e.g. `invalid-id-number` for a bad preset number).
    public var promptOverride: Prompt? = nil

    public static func verified(variables: [(String, String)], sub: String, polls: Int) -> SessionOutcome {
        SessionOutcome(status: .verified, error: "", identityVariables: variables, sub: sub, polls: polls, reason: "verified")
    }

    public static func failed(_ code: CallErrorCode, reason: String, polls: Int = 0) -> SessionOutcome {
        SessionOutcome(status: code.status, error: code.rawValue, identityVariables: [], sub: "", polls: polls, reason: reason)
    }

    public static func == (l: SessionOutcome, r: SessionOutcome) -> Bool {
        l.status == r.status && l.error == r.error && l.sub == r.sub && l.polls == r.polls && l.reason == r.reason && l.promptOverride == r.promptOverride
            && l.identityVariables.elementsEqual(r.identityVariables, by: { $0 == $1 })
    }

    /// The prompt that tells the caller the result; nil after a hang-up.
    public var resultPrompt: Prompt? {
        switch status {
        case .verified: .verified
        case .denied: .denied
        case .expired: .expired
        case .error: .failed
        case .rateLimited: .rateLimited
        case .invalid: error == CallErrorCode.noInput.rawValue ? .noInput : .tooManyAttempts
        case .hangup, .pending: nil
        }
    }
}

/// The identity variables of CONTRACT §2, in the order they are set.
public enum IdentityVariable {
    public static let all = ["CIBA_SUB", "CIBA_NAME", "CIBA_GIVEN_NAME", "CIBA_FAMILY_NAME", "CIBA_BIRTHDATE",
                             "CIBA_COUNTRY", "CIBA_IDENTITY_SCHEME"]
}
