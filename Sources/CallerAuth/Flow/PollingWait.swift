import Foundation
import AGI
import CIBA
import StructuredLogging

extension AuthenticationAttempt {
    /// Polls in a child task while the AGI side keeps exactly one `WAIT FOR DIGIT` pending.
    ///
    /// Asterisk discards DTMF that arrives while no command runs, and a second command sent
    /// while one is pending interrupts the first, so the loop never overlaps commands. A
    /// hang-up answers the pending command with `-1` (thrown) and also cancels this task;
    /// leaving the task group cancels the poller, which sends no further request.
    func waitForIdentity(_ grant: BackchannelGrant, expected: (name: String, value: String)?,
                         onStar: @escaping @Sendable () async throws -> Void) async throws -> Result<VerifiedIdentity, any Error> {
        let box = ResultBox()
        let authenticator = service.authenticator
        let state = self.state
        let log = self.log
        let slice = service.timing.waitSlice
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    let identity = try await authenticator.pollForIdentity(grant, expectedClaim: expected) { event in
                        switch event {
                        case .pending(let description, let poll):
                            state.recordPoll(poll, answered: true)
                            log.debug("ciba.pending", ["poll": String(poll), "description": description ?? ""])
                        case .slowDown(let interval, let poll):
                            state.recordPoll(poll, answered: true)
                            log.info("ciba.slow_down", ["poll": String(poll), "interval": String(describing: interval)])
                        case .retrying(let reason, let poll, let retryIn):
                            state.recordPoll(poll, answered: false)
                            log.warning("ciba.retrying", ["poll": String(poll), "reason": reason, "retryIn": String(describing: retryIn)])
                        }
                    }
                    box.set(.success(identity))
                } catch {
                    box.set(.failure(error))
                }
            }
            while true {
                if let result = box.get() {
                    group.cancelAll()
                    return result
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

/// The poller's result, handed from the child task to the AGI loop.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<VerifiedIdentity, any Error>?
    func set(_ result: Result<VerifiedIdentity, any Error>) { lock.withLock { value = result } }
    func get() -> Result<VerifiedIdentity, any Error>? { lock.withLock { value } }
}

