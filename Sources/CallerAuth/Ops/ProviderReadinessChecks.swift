import CIBA

extension ReadinessRegistry {
    /// Registers `discovery` and `jwks`: the provider's discovery document and signing keys are
    /// fresh (refreshed when their lifetime is over). Failing while an older copy is still in use
    /// means calls may still work, but the provider does not answer: an operator should look.
    public func registerProviderChecks(_ authenticator: BackchannelAuthenticator) {
        register(name: "discovery") { ReadinessResult(await authenticator.discoveryFreshness()) }
        register(name: "jwks") { ReadinessResult(await authenticator.signingKeysFreshness()) }
    }
}

extension ReadinessResult {
    init(_ freshness: ProviderFreshness) {
        self.init(isOK: freshness.isUsable, reason: freshness.isUsable ? freshness.reason
                  : "\(freshness.state.rawValue): \(freshness.reason)")
    }
}
