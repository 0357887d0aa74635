import Foundation
import CIBA
import JOSE
import IdentityNumbers

/// Verified ID-token claims to the channel variables of CONTRACT §2.
///
/// Claim names differ between providers (`given_name` / `givenname`, `family_name` /
/// `surname`); the standard name wins. A missing claim gives an empty variable.
/// `CIBA_BIRTHDATE` comes from the token (`birthdate`), else from the validated number.
enum IdentityMapping {
    static func variables(_ identity: VerifiedIdentity, number: PersonalNumber?, profile: Profile) -> [(String, String)] {
        func claim(_ names: String...) -> String {
            for name in names {
                if let value = text(identity.claims[name]), !value.isEmpty { return value }
            }
            return ""
        }
        var birthdate = claim("birthdate")
        if !isISODate(birthdate) { birthdate = number?.birthDateString ?? "" }
        var variables: [(String, String)] = [
            ("CIBA_SUB", claim("sub")),
            ("CIBA_NAME", claim("name")),
            ("CIBA_GIVEN_NAME", claim("given_name", "givenname")),
            ("CIBA_FAMILY_NAME", claim("family_name", "surname")),
            ("CIBA_BIRTHDATE", birthdate),
            ("CIBA_COUNTRY", claim("country")),
            ("CIBA_IDENTITY_SCHEME", claim("identityscheme")),
        ]
        if profile.exposeIDNumber {
            variables.append(("CIBA_ID_NUMBER", number?.normalized ?? ""))
        }
        for (name, variable) in profile.claimVariables.sorted(by: { $0.value < $1.value }) {
            variables.append((variable, text(identity.claims[name]) ?? ""))
        }
        return variables
    }

    /// A claim as channel-variable text: strings as is, numbers and booleans printed,
    /// objects and arrays left out (a variable is one line of text).
    static func text(_ value: JSONValue?) -> String? {
        guard let value else { return nil }
        switch value {
        case .string(let s): return s.replacingOccurrences(of: "\n", with: " ")
        case .number(let d): return MetricsRegistry.number(d)
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    static func isISODate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        return text.count == 10 && parts.count == 3 && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
    }
}
