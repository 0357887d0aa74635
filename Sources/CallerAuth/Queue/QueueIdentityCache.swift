import Foundation

/// The mapped identity variables of queue-mode verifications, for `caller-auth-result`.
///
/// A verification started by `caller-auth-start` ends after that AGI session is gone; the
/// store keeps only ``VerifiedClaims`` (the seven standard claims), so `claimVariables` and
/// `CIBA_ID_NUMBER` (`exposeIdNumber`) would be lost. This cache keeps the variables of a
/// verified queue-mode call in this process for `retention` (the records' own retention),
/// and nothing for any other outcome. A result read on another server (shared store) falls
/// back to the standard claims.
actor QueueIdentityCache {
    private var entries: [String: (variables: [(String, String)], until: ContinuousClock.Instant)] = [:]
    private let retention: Duration

    init(retention: Duration) {
        self.retention = retention
    }

    func store(txn: String, _ variables: [(String, String)]) {
        let now = ContinuousClock.now
        entries = entries.filter { $0.value.until > now }
        entries[txn] = (variables, now + retention)
    }

    func variables(txn: String) -> [(String, String)]? {
        guard let entry = entries[txn], entry.until > ContinuousClock.now else { return nil }
        return entry.variables
    }
}
