import Foundation
import CIBA
import IdentityNumbers

/// The identity a verification proved, as far as it may be kept: the seven standard claims
/// of the dialplan interface (CONTRACT §2), never the national number or a token.
///
/// Providers name claims differently (`given_name` / `givenname`, `family_name` / `surname`);
/// the standard name wins. `birthdate` comes from the token when it is a `YYYY-MM-DD` date,
/// else from the validated number. A missing claim is the empty string.
public struct VerifiedClaims: Sendable, Equatable, Codable {
    public var sub: String
    public var name: String
    public var givenName: String
    public var familyName: String
    public var birthdate: String
    public var country: String
    public var identityScheme: String

    public init(sub: String = "", name: String = "", givenName: String = "", familyName: String = "",
                birthdate: String = "", country: String = "", identityScheme: String = "") {
        self.sub = sub
        self.name = name
        self.givenName = givenName
        self.familyName = familyName
        self.birthdate = birthdate
        self.country = country
        self.identityScheme = identityScheme
    }

    /// The claims of a validated ID token; `number` (the one entered) supplies the birth date
    /// when the token has none.
    public init(_ identity: VerifiedIdentity, number: PersonalNumber?) {
        func claim(_ names: String...) -> String {
            for name in names {
                if let value = IdentityMapping.text(identity.claims[name]), !value.isEmpty { return value }
            }
            return ""
        }
        var birthdate = claim("birthdate")
        if !IdentityMapping.isISODate(birthdate) { birthdate = number?.birthDateString ?? "" }
        self.init(sub: claim("sub"), name: claim("name"), givenName: claim("given_name", "givenname"),
                  familyName: claim("family_name", "surname"), birthdate: birthdate, country: claim("country"),
                  identityScheme: claim("identityscheme"))
    }
}
