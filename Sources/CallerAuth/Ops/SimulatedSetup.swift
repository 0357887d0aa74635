import Foundation
import CIBA
import CIBASimulator
import IdentityNumbers
import Sockets

/// A configuration wired to the built-in simulated provider: what `ciba-agi demo` runs and
/// what the end-to-end tests start from. The profiles are the shipped Idura ones.
public enum SimulatedSetup {
    /// Idura Swedish BankID, Norwegian BankID and FrejaID, as in `ciba-agi.example.json`.
    public static var profiles: [String: Profile] {
        [
            "se-bankid": Profile(name: "se-bankid", numberKind: .sePersonnummer, acrValues: "urn:grn:authn:se:bankid",
                                 bindingMessage: "Identification for Example Bank customer service",
                                 callInitiator: .user, numberClaim: "ssn"),
            "no-bankid": Profile(name: "no-bankid", numberKind: .noFodselsnummer, acrValues: "urn:grn:authn:no:bankid",
                                 numberClaim: "socialno", language: .nb),
            "se-frejaid": Profile(name: "se-frejaid", numberKind: .sePersonnummer, acrValues: "urn:grn:authn:se:frejaid",
                                  bindingMessage: "Identification for Example Bank customer service", callInitiator: nil,
                                  numberClaim: "ssn"),
        ]
    }

    /// A configuration for the simulator at `issuer` with its demo client credentials.
    /// Listens on free loopback ports; the audit log is `auditLog` (nil: none on disk).
    public static func configuration(issuer: URL, auditLog: String? = nil, opsListen: Bool = true,
                                     rateLimits: RateLimitSettings = RateLimitSettings(),
                                     maxAttempts: Int = 3) throws -> Configuration {
        let provider = ProviderConfiguration(
            issuer: issuer, clientID: SimulatorConfiguration.demoClientID,
            authentication: .clientSecretBasic(secret: SimulatorConfiguration.demoClientSecret),
            requestTimeoutSeconds: 5)
        return Configuration(
            listen: [try SocketAddress.parse("127.0.0.1:0")], allowedClients: AllowList(try [CIDRBlock(parsing: "127.0.0.0/8")]),
            allowedClientsText: ["127.0.0.0/8"], opsListen: opsListen ? try SocketAddress.parse("127.0.0.1:0") : nil,
            auditLog: auditLog, provider: provider, defaultProfile: "se-bankid", profiles: profiles,
            maxAttempts: maxAttempts, drainTimeoutSeconds: 5, rateLimits: rateLimits)
    }

    /// The simulator's demo person for a profile: Terne Paulsen (SE), Mikkel CriiptoTest (NO).
    public static func demoNumber(for profile: Profile) -> String {
        profile.numberKind == .noFodselsnummer ? SimulatedPerson.norwegianDemoNumber : SimulatedPerson.demoNumber
    }
}
