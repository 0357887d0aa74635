import Foundation
import Synchronization
import AGI
import StructuredLogging

extension AuthenticationAttempt {
    /// Waits for the verification's final record while the AGI side keeps exactly one
    /// `WAIT FOR DIGIT` pending.
    ///
    /// Asterisk discards DTMF that arrives while no command runs, and a second command sent
    /// while one is pending interrupts the first, so the loop never overlaps commands. The
    /// engine polls in its own task; a child task here waits for its final record. A hang-up
    /// answers the pending command with `-1` (thrown) and also cancels this task; the caller
    /// of this method then cancels the verification, which sends no further request.
    func waitForFinalRecord(expiresAt: Date?, onStar: @escaping @Sendable () async throws -> Void) async throws -> VerificationRecord {
        let box = FinalRecordBox()
        let engine = service.engine
        let txn = session.txn
        let slice = service.timing.waitSlice
        // The poller ends by the expiry (plus one request timeout); the margin only guards
        // against a stuck store. Past it the verification is cancelled as unreachable.
        let expiry = max(0, expiresAt?.timeIntervalSinceNow ?? 600)
        let limit = Duration.seconds(Int(expiry.rounded(.up)) + 2 * service.configuration.provider.requestTimeoutSeconds + 10)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                box.set(await engine.waitForFinal(txn: txn, timeout: limit))
            }
            while true {
                if let result = box.get() {
                    group.cancelAll()
                    if let record = result { return record }
                    log.error("session.verification_timeout", ["limit": String(describing: limit)])
                    if let record = await engine.cancel(txn: txn, error: CallErrorCode.providerUnreachable.rawValue,
                                                        reason: "no final result within \(limit)"), record.status.isFinal {
                        return record
                    }
                    throw CancellationError()
                }
                if channel.isHungUp || Task.isCancelled {
                    group.cancelAll()
                    throw CancellationError()
                }
                let digit = try await channel.waitForDigit(timeout: slice)
                if digit == "*" {
                    log.info("session.repeat_requested")
                    try await onStar()
                }
            }
        }
    }
}

/// The wait's result, handed from the child task to the AGI loop: unset while waiting,
/// then the final record or nil (not final within the limit).
final class FinalRecordBox: Sendable {
    private let value = Mutex<VerificationRecord??>(nil)
    func set(_ record: VerificationRecord?) { value.withLock { $0 = .some(record) } }
    func get() -> VerificationRecord?? { value.withLock { $0 } }
}
