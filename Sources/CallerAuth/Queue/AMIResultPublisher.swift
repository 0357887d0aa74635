import Foundation
import Synchronization
import AMI
import StructuredLogging

/// Tells Asterisk a queue-mode result over the manager connection: `Setvar` of the result
/// variables on the caller's channel (as `__CIBA_*`, so agent legs created afterwards inherit
/// them and `${CIBA_STATUS}` reads them on the caller's channel), then
/// `UserEvent(CibaVerification)` for CRMs and desk software.
///
/// Privacy: `CIBA_ID_NUMBER` is never sent over AMI (a manager session sees every action
/// and event); the UserEvent carries the masked number only. Best effort: when the manager
/// connection is down the result still reaches the dialplan through `caller-auth-result`,
/// and one warning per outage says so (not one per call).
final class AMIResultPublisher: Sendable {
    static let eventName = "CibaVerification"
    private let client: AMIClient
    private let logger: Logger
    private let inOutage = Mutex(false)

    init(client: AMIClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// - Parameter setOnChannel: false when the caller's channel is gone (they hung up).
    func publish(_ record: VerificationRecord, outcome: SessionOutcome, variables: [(String, String)],
                 channel: String, setOnChannel: Bool) async {
        guard client.state.isConnected else {
            noteOutage(reason: client.state.description, txn: record.txn)
            return
        }
        if setOnChannel && !channel.isEmpty {
            for (name, value) in variables where name != "CIBA_ID_NUMBER" {
                do { try await client.setVariable(channel: channel, name: "__" + name, value: value) } catch {
                    // `No such channel`: the caller left between the result and this action.
                    logger.info("ami.setvar_failed", ["txn": record.txn, "channel": channel, "reason": Self.reason(error)])
                    break
                }
            }
        }
        do {
            try await client.userEvent(Self.eventName, Self.eventHeaders(record, outcome: outcome))
            clearOutage()
        } catch {
            noteOutage(reason: Self.reason(error), txn: record.txn)
        }
    }

    /// `Status`, `Error`, `Txn`, `Uniqueid`, `Linkedid`, `Profile`, `NumberMasked`: nothing else
    /// (no name, no full number), so any manager session may read it.
    static func eventHeaders(_ record: VerificationRecord, outcome: SessionOutcome) -> [(name: String, value: String)] {
        [("Status", outcome.status.rawValue), ("Error", outcome.error), ("Txn", record.txn),
         ("Uniqueid", record.uniqueID ?? ""), ("Linkedid", record.linkedID ?? ""), ("Profile", record.profile),
         ("NumberMasked", record.numberMasked)]
    }

    private func noteOutage(reason: String, txn: String) {
        let first = inOutage.withLock { flag -> Bool in
            defer { flag = true }
            return !flag
        }
        if first {
            logger.warning("ami.unavailable", ["reason": reason, "txn": txn,
                                               "effect": "results reach the dialplan through caller-auth-result only (polling goes on)"])
        } else {
            logger.debug("ami.unavailable", ["txn": txn])
        }
    }

    private func clearOutage() {
        inOutage.withLock { $0 = false }
    }

    private static func reason(_ error: any Error) -> String {
        (error as? AMIError)?.reason ?? String(describing: type(of: error))
    }
}
