import AGI
import StructuredLogging

/// `caller-auth` with the profile's `retryOnDenied` (Norwegian BankID's rule: after a failed
/// attempt ask the caller before retrying, never more than two retries).
///
/// After a DENIED attempt (and its `ciba/denied` prompt) the caller hears `ciba/retry-offer`
/// ("press 1 to try again, any other key to continue"); only `1` starts a new attempt, with
/// the number already validated. Each attempt is a session of its own: its own `CIBA_TXN`,
/// audit record (same `uniqueid`) and rate-limit count; the last attempt's variables stand.
struct RetryWithConsent: Sendable {
    let service: CallerAuthService
    let channel: AGIChannel

    func run() async {
        var result = await CallerAuthSession(service: service, channel: channel).run()
        var retries = 0
        while result.outcome.status == .denied, let profile = result.profile, retries < min(2, profile.retryOnDenied) {
            guard await callerWantsRetry() else {
                service.logger.with("uniqueid", channel.environment.uniqueID).info("retry.declined", ["retriesUsed": String(retries)])
                return
            }
            retries += 1
            service.logger.with("uniqueid", channel.environment.uniqueID).info("retry.accepted", ["retry": String(retries)])
            result = await CallerAuthSession(service: service, channel: channel, presetNumber: result.number).run()
        }
    }

    /// One key within the digit timeout; nothing, another key or a hang-up means no.
    private func callerWantsRetry() async -> Bool {
        guard !channel.isHungUp, !channel.isClosed else { return false }
        let timeout = service.timing.digitTimeout ?? .seconds(service.configuration.digitTimeoutSeconds)
        do {
            return try await channel.getData(Prompt.retryOffer.file, timeout: timeout, maxDigits: 1).digits == "1"
        } catch {
            return false
        }
    }
}
