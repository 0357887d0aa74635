/// The eIDs the simulated provider offers, chosen by `acr_values` as at Idura Verify.
public enum IdentityScheme: String, Sendable, CaseIterable {
    case swedishBankID = "urn:grn:authn:se:bankid"
    case norwegianBankID = "urn:grn:authn:no:bankid"
    case frejaID = "urn:grn:authn:se:frejaid"

    /// The `acr_values` value (also the token's `authenticationtype`).
    public var acr: String { rawValue }

    /// The token's `identityscheme` claim.
    public var identitySchemeClaim: String {
        switch self {
        case .swedishBankID: "sebankid"
        case .norwegianBankID: "nobankid-oidc"
        case .frejaID: "sefrejaid"
        }
    }

    /// `SE` or `NO`: which persons this scheme can authenticate.
    public var country: String { self == .norwegianBankID ? "NO" : "SE" }

    /// The claim that carries the national number in the ID token.
    public var numberClaim: String { self == .norwegianBankID ? "socialno" : "ssn" }

    /// The first recognised value of a space-separated `acr_values`.
    static func from(acrValues: String) -> IdentityScheme? {
        for value in acrValues.split(separator: " ") {
            if let scheme = IdentityScheme(rawValue: String(value)) { return scheme }
        }
        return nil
    }

    /// The `error_description` of the n-th (1-based) pending poll, as Idura words them.
    func pendingDescription(poll: Int) -> String {
        switch self {
        case .norwegianBankID:
            return "User has not yet granted authorization"
        case .swedishBankID, .frejaID:
            // BankID's hint codes mapped by Idura: outstandingTransaction/noClient,
            // userCallConfirm, then userSign (FrejaID's wording is assumed the same).
            switch poll {
            case ...1: return "awaiting first user interaction"
            case 2: return "awaiting user request acknowledgement"
            default: return "awaiting user identification"
            }
        }
    }
}
