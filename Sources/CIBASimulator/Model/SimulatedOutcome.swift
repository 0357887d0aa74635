/// What the simulated provider does once a backchannel request for a person was accepted,
/// i.e. how the token endpoint answers the polls for that `auth_req_id`.
///
/// "Poll" counts token requests answered by the script; requests that came faster than
/// the interval are answered `slow_down` and do not advance the script.
public enum SimulatedOutcome: Sendable, Equatable {
    /// `authorization_pending` for the first `afterPolls` polls, then the tokens.
    case approve(afterPolls: Int)
    /// `authorization_pending` for the first `afterPolls` polls, then `access_denied`
    /// (`user declined`), which stays the answer.
    case deny(afterPolls: Int)
    /// `authorization_pending` until `expires_in` has passed (by the simulator's clock),
    /// then `expired_token`.
    case expire
    /// Poll 1: `slow_down` (the required interval grows by 5 s, as CIBA prescribes),
    /// poll 2: `authorization_pending`, poll 3: the tokens.
    case slowDownThenApprove
    /// bc-authorize answers 400 `unknown_user_id` (same as a number not in the catalog).
    case unknownUser
    /// One pending poll, then tokens whose `ssn`/`socialno` is a different valid number
    /// (`SimulatedPerson.mismatchNumber`).
    case identityMismatch
    /// One pending poll, then an ID token signed by a key that is not in the JWKS
    /// (with the current `kid`, so a client finds the key and the signature fails).
    case invalidSignature
    /// Every poll: HTTP 500 with an HTML error page.
    case providerError500HTML
    /// Every poll: HTTP 200 with a body that is not valid JSON.
    case garbageJSON
    /// Every poll: no answer at all; the request hangs until the client gives up, the
    /// provider shuts down, or `SimulatorConfiguration.noAnswerDelay` passes (then 504).
    case noAnswer
}
