import Foundation

/// A verification `caller-auth-start` left running: what the queue-mode monitor needs to
/// finish it without the AGI session (audit record, hang-up watch, AMI notifications).
struct QueuedVerification: Sendable {
    var txn: String
    /// `agi_uniqueid` of the caller's channel: an AMI `Hangup` with this `Uniqueid` cancels it.
    var uniqueID: String
    /// `agi_channel` of the caller's channel: where `Setvar` puts the result.
    var channel: String
    /// Already masked unless `logCallerId`.
    var callerID: String
    var profile: String
    var numberMasked: String
    var startedAt: Date
    var startInstant: ContinuousClock.Instant
}

/// A final verification record as the dialplan sees it: the status/error pair and, on
/// VERIFIED, the identity variables (from the queue-mode cache, else the standard claims).
enum RecordOutcome {
    static func outcome(_ record: VerificationRecord, cached: [(String, String)]?, profile: Profile?) -> SessionOutcome {
        guard record.status.isFinal else { return .pending(polls: record.polls) }
        if record.status == .verified {
            let variables = cached ?? standardVariables(record.claims ?? VerifiedClaims(), profile: profile)
            return .verified(variables: variables, sub: record.claims?.sub ?? "", polls: record.polls)
        }
        let code = record.error.flatMap(CallErrorCode.init(rawValue:)) ?? .providerError
        return .failed(code, reason: record.reason ?? code.rawValue, polls: record.polls)
    }

    /// The seven claims the store keeps; mapped claims and `CIBA_ID_NUMBER` set empty.
    static func standardVariables(_ claims: VerifiedClaims, profile: Profile?) -> [(String, String)] {
        var variables: [(String, String)] = [
            ("CIBA_SUB", claims.sub), ("CIBA_NAME", claims.name), ("CIBA_GIVEN_NAME", claims.givenName),
            ("CIBA_FAMILY_NAME", claims.familyName), ("CIBA_BIRTHDATE", claims.birthdate), ("CIBA_COUNTRY", claims.country),
            ("CIBA_IDENTITY_SCHEME", claims.identityScheme),
        ]
        if let profile {
            if profile.exposeIDNumber { variables.append(("CIBA_ID_NUMBER", "")) }
            for variable in profile.claimVariables.values.sorted() { variables.append((variable, "")) }
        }
        return variables
    }
}
