import Foundation
import JOSE

/// The ID-token claims Idura Verify issues per eID (see PROVIDERS.md and the real sample
/// token in fixtures/provider/): Swedish BankID, Norwegian BankID (`nobankid-oidc`) and
/// FrejaID. FrejaID carrying the number in `ssn` is this simulator's assumption.
enum IDTokenClaims {
    static func claims(
        person: SimulatedPerson, scheme: IdentityScheme, numberInToken: String, issuer: String,
        clientID: String, now: Date, lifetime: Int
    ) -> [String: JSONValue] {
        let issuedAt = now.timeIntervalSince1970.rounded(.down)
        let subjectUUID = StablePseudonym.uuid(for: person.number)
        var claims: [String: JSONValue] = [
            "iss": .string(issuer),
            "aud": .string(clientID),
            "identityscheme": .string(scheme.identitySchemeClaim),
            "authenticationtype": .string(scheme.acr),
            "authenticationinstant": .string(instant(now)),
            "nameidentifier": .string(subjectUUID.replacingOccurrences(of: "-", with: "")),
            "sub": .string("{\(subjectUUID)}"),
            "sessionindex": .string(RandomIdentifier.uuid()),
            "name": .string(person.name),
            "given_name": .string(person.givenName),
            "family_name": .string(person.familyName),
            "country": .string(person.country),
            "iat": .number(issuedAt),
            "nbf": .number(issuedAt),
            "exp": .number(issuedAt + Double(lifetime)),
        ]
        switch scheme {
        case .swedishBankID:
            claims["authenticationmethod"] = .string("urn:oasis:names:tc:SAML:2.0:ac:classes:SoftwarePKI")
            claims["ssn"] = .string(numberInToken)
            claims["givenname"] = .string(person.givenName)
            claims["surname"] = .string(person.familyName)
            claims["ipaddress"] = .string("192.0.2.10")  // documentation range: the user's device
        case .frejaID:
            claims["ssn"] = .string(numberInToken)
            claims["birthdate"] = .string(person.birthdate)
            claims["dateofbirth"] = .string(person.birthdate)
            claims["registrationLevel"] = .string("PLUS")
        case .norwegianBankID:
            claims["socialno"] = .string(numberInToken)
            claims["birthdate"] = .string(person.birthdate)
            claims["uniqueuserid"] = .string("9578-6000-4-\(StablePseudonym.digits(for: person.number, count: 6))")
        }
        return claims
    }

    /// `2024-05-22T10:41:41.361Z`, like Idura's `authenticationinstant`.
    static func instant(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
