import Foundation
import AGI
import StructuredLogging

/// `caller-auth-result`: the final channel variables (CONTRACT §2) of the call's queue-mode
/// verification, set on the channel this AGI runs on — the caller's (a hangup handler, after
/// the queue) or an agent's leg (the queue's gosub on answer).
///
/// The verification is found by, in this order: the channel variable `CIBA_TXN` (set by
/// `caller-auth-start`, inherited when the dialplan copied it to `__CIBA_TXN`), the channel's
/// `agi_uniqueid`, its `CHANNEL(linkedid)` (the same on every leg of the call). None known:
/// `CIBA_STATUS=ERROR`, `CIBA_ERROR=no_verification`. With `wait=SECONDS` a pending
/// verification is waited for (bounded); still pending then: `CIBA_STATUS=PENDING`. Plays nothing.
struct QueueResultSession: Sendable {
    let service: CallerAuthService
    let channel: AGIChannel

    func run() async {
        let environment = channel.environment
        var log = service.logger.with("uniqueid", environment.uniqueID)
        let options = ResultOptions.parse(query: environment.query, arguments: environment.arguments)
        if !options.ignored.isEmpty { log.warning("result.ignored_options", ["keys": options.ignored.joined(separator: ",")]) }

        let found: (record: VerificationRecord, by: String)?
        do { found = try await find() } catch {
            log.info("result.agi_failed", ["error": String(describing: type(of: error))])
            return
        }
        guard var record = found?.record else {
            log.warning("result.no_verification", ["channel": environment.channel])
            let outcome = SessionOutcome.failed(.noVerification, reason: "no verification for this call")
            await set(ResultVariables.list(outcome, profile: nil, bindingMessage: "", txn: ""), log: log)
            return
        }
        log = log.with("txn", record.txn)
        if !record.status.isFinal, options.waitSeconds > 0 {
            if let final = await service.engine.waitForFinal(txn: record.txn, timeout: .seconds(options.waitSeconds)) {
                record = final
            } else if let latest = await service.verificationStore.record(txn: record.txn) {
                record = latest
            }
        }
        let profile = service.configuration.profiles[record.profile]
        let outcome = RecordOutcome.outcome(record, cached: await service.queueMode.identities.variables(txn: record.txn), profile: profile)
        log.info("result.read", ["status": outcome.status.rawValue, "error": outcome.error, "foundBy": found?.by ?? "-",
                                 "number": record.numberMasked, "waited": String(options.waitSeconds)])
        await set(ResultVariables.list(outcome, profile: profile, bindingMessage: record.wordPair ?? "", txn: record.txn), log: log)
    }

    private func find() async throws -> (record: VerificationRecord, by: String)? {
        let store = service.verificationStore
        if let txn = try await channel.getVariable("CIBA_TXN"), !txn.isEmpty, let record = await store.record(txn: txn) {
            return (record, "txn")
        }
        let uniqueID = channel.environment.uniqueID
        if !uniqueID.isEmpty, let record = await store.latest(forCall: uniqueID) {
            return (record, "uniqueid")
        }
        if let linkedID = try await channel.getVariable("CHANNEL(linkedid)"), !linkedID.isEmpty,
           let record = await store.latest(forCall: linkedID) {
            return (record, "linkedid")
        }
        return nil
    }

    private func set(_ variables: [(String, String)], log: Logger) async {
        for (name, value) in variables {
            do { try await channel.setVariable(name, value) } catch {
                log.info("result.set_variable_failed", ["variable": name])
                return
            }
        }
    }
}
