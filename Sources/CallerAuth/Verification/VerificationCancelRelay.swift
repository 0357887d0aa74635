/// A ``VerificationStore`` shared by several servers that can also carry cancel requests:
/// an agent on server B cancels a verification that server A runs (A's engine polls the
/// provider, so only A can stop it).
///
/// The engine installs its handler at start; `cancel` on an engine that does not run the
/// verification forwards the request and waits for the cancelled record in the events.
public protocol VerificationCancelRelay: Sendable {
    /// Sends the request to every server; false when it could not be sent (store unreachable).
    func forwardCancel(txn: String, error: String, reason: String) async -> Bool
    /// Called for every request another server forwards (`txn`, `error`, `reason`); the
    /// handler ignores verifications its process does not run.
    func setCancelHandler(_ handler: @escaping @Sendable (String, String, String) async -> Void)
}
