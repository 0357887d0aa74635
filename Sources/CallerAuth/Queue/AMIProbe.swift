import AMI
import StructuredLogging

/// `check-config`'s look at the `ami` block: one login attempt, bounded, then log off.
///
/// A manager port that is down is a warning, not a reason to call the configuration unusable:
/// queue mode works without AMI (polling only; no hang-up cancel, no Setvar/UserEvent).
public enum AMIProbe {
    public enum Result: Sendable, Equatable {
        /// Logged in; the AMI version from the banner.
        case loggedIn(version: String)
        /// Why not, in words an operator can act on (never the secret).
        case failed(String)
    }

    public static func check(_ settings: AMISettings, timeout: Duration = .seconds(5)) async -> Result {
        var configuration = settings.clientConfiguration
        configuration.connectTimeout = timeout
        configuration.actionTimeout = timeout
        // One attempt: the first failure is the answer, no backoff loop behind it.
        configuration.reconnect = AMIReconnectPolicy(initial: .seconds(3600), maximum: .seconds(3600))
        let client = AMIClient(configuration: configuration, logger: .disabled)
        let states = client.states()
        client.start()
        var result = Result.failed("no answer from the manager port \(settings.address) within \(timeout)")
        for await state in states {
            if case .connected(let version) = state {
                result = .loggedIn(version: version)
                break
            }
            if case .waitingToReconnect(_, _, let reason) = state {
                result = .failed(reason)
                break
            }
        }
        await client.stop()
        return result
    }
}
