import IdentityNumbers

/// Which AGI script a `CallerAuthSession` serves.
enum SessionMode: Sendable, Equatable {
    /// `caller-auth`: the caller waits in the IVR until the result (CONTRACT §1).
    case interactive
    /// `caller-auth-start`: number, verification start, word pair and `ciba/open-app`, then
    /// `CIBA_STATUS=PENDING` at once; the verification runs on while the caller is queued.
    case queueStart
}

/// What one session ended with, for the retry-with-consent loop around it.
struct SessionResult: Sendable {
    var outcome: SessionOutcome
    /// The validated number, so a retry does not ask for it again.
    var number: PersonalNumber?
    var profile: Profile?
}

extension SessionOutcome {
    /// `caller-auth-start` handed over to the queue: the verification runs on.
    static func pending(polls: Int) -> SessionOutcome {
        SessionOutcome(status: .pending, error: "", identityVariables: [], sub: "", polls: polls, reason: "pending in queue mode")
    }
}
