/// A test person known to the simulated provider, with the outcome its authentications get.
///
/// Numbers are digits only: 12 for Swedish personnummer, 11 for Norwegian fødselsnummer.
public struct SimulatedPerson: Sendable, Equatable {
    /// The national number, normalised (SE 12 digits, NO 11 digits).
    public var number: String
    public var name: String
    public var givenName: String
    public var familyName: String
    /// `YYYY-MM-DD`.
    public var birthdate: String
    /// `SE` or `NO`.
    public var country: String
    public var outcome: SimulatedOutcome

    public init(
        number: String, givenName: String, familyName: String, birthdate: String, country: String,
        outcome: SimulatedOutcome, name: String? = nil
    ) {
        self.number = number
        self.givenName = givenName
        self.familyName = familyName
        self.name = name ?? "\(givenName) \(familyName)"
        self.birthdate = birthdate
        self.country = country
        self.outcome = outcome
    }

    /// The stable per-person pseudonym used as `sub`, `{xxxxxxxx-xxxx-...}` like Idura's,
    /// derived from the number (same person, same `sub`, across runs).
    public var subject: String { "{\(StablePseudonym.uuid(for: number))}" }

    /// The number put into the token for `.identityMismatch` persons: a valid
    /// personnummer that belongs to nobody in the catalog.
    public static let mismatchNumber = "199011119915"

    /// The Norwegian counterpart of `mismatchNumber` (valid synthetic test number, unknown).
    public static let norwegianMismatchNumber = "01819042000"

    static func mismatchNumber(for scheme: IdentityScheme) -> String {
        scheme == .norwegianBankID ? norwegianMismatchNumber : mismatchNumber
    }

    /// The test persons (all numbers are valid: Luhn for SE, both mod-11 digits for NO;
    /// the Swedish ones besides Terne Paulsen use serial numbers 98x–99x).
    ///
    /// | number | name | country | outcome |
    /// |---|---|---|---|
    /// | 196802020575 | Terne Paulsen | SE | approve after 2 pending polls (the demo default) |
    /// | 199010109909 | Sam Snabb | SE | approve at the first poll |
    /// | 199001019810 | Dora Nekar | SE | 1 pending poll, then `access_denied` (`user declined`) |
    /// | 199002029826 | Erik Väntar | SE | pending until expiry, then `expired_token` |
    /// | 199003039832 | Sixten Sakta | SE | `slow_down`, pending, then approve |
    /// | 199004049848 | (unknown) | SE | bc-authorize: 400 `unknown_user_id` |
    /// | 199005059853 | Ivar Annan | SE | 1 pending poll, then a token with `ssn` 199011119915 (identity mismatch) |
    /// | 199006069869 | Signe Falsk | SE | 1 pending poll, then an ID token signed by a key not in the JWKS |
    /// | 199007079875 | Felix Serverfel | SE | every poll: HTTP 500 with an HTML body |
    /// | 199008089881 | Greta Skräp | SE | every poll: HTTP 200 with garbage (not JSON) |
    /// | 199009099897 | Tyra Tystnad | SE | every poll: no answer (the request hangs) |
    /// | 27034698436 | Mikkel CriiptoTest | NO | word pair, 2 pending polls, then approve |
    /// | 15868540033 | Nora Nei | NO | word pair, 1 pending poll, then `access_denied` |
    ///
    /// Any other valid number is unknown (`unknown_user_id`). Swedish persons can be
    /// asked for with Swedish BankID or FrejaID `acr_values`; Norwegian ones with
    /// Norwegian BankID. 199011119915 is valid, unknown, and the number the
    /// identity-mismatch token claims.
    public static let catalog: [SimulatedPerson] = [
        SimulatedPerson(number: "196802020575", givenName: "Terne", familyName: "Paulsen", birthdate: "1968-02-02", country: "SE", outcome: .approve(afterPolls: 2)),
        SimulatedPerson(number: "199010109909", givenName: "Sam", familyName: "Snabb", birthdate: "1990-10-10", country: "SE", outcome: .approve(afterPolls: 0)),
        SimulatedPerson(number: "199001019810", givenName: "Dora", familyName: "Nekar", birthdate: "1990-01-01", country: "SE", outcome: .deny(afterPolls: 1)),
        SimulatedPerson(number: "199002029826", givenName: "Erik", familyName: "Väntar", birthdate: "1990-02-02", country: "SE", outcome: .expire),
        SimulatedPerson(number: "199003039832", givenName: "Sixten", familyName: "Sakta", birthdate: "1990-03-03", country: "SE", outcome: .slowDownThenApprove),
        SimulatedPerson(number: "199004049848", givenName: "Okänd", familyName: "Person", birthdate: "1990-04-04", country: "SE", outcome: .unknownUser),
        SimulatedPerson(number: "199005059853", givenName: "Ivar", familyName: "Annan", birthdate: "1990-05-05", country: "SE", outcome: .identityMismatch),
        SimulatedPerson(number: "199006069869", givenName: "Signe", familyName: "Falsk", birthdate: "1990-06-06", country: "SE", outcome: .invalidSignature),
        SimulatedPerson(number: "199007079875", givenName: "Felix", familyName: "Serverfel", birthdate: "1990-07-07", country: "SE", outcome: .providerError500HTML),
        SimulatedPerson(number: "199008089881", givenName: "Greta", familyName: "Skräp", birthdate: "1990-08-08", country: "SE", outcome: .garbageJSON),
        SimulatedPerson(number: "199009099897", givenName: "Tyra", familyName: "Tystnad", birthdate: "1990-09-09", country: "SE", outcome: .noAnswer),
        SimulatedPerson(number: "27034698436", givenName: "Mikkel", familyName: "CriiptoTest", birthdate: "1946-03-27", country: "NO", outcome: .approve(afterPolls: 2)),
        SimulatedPerson(number: "15868540033", givenName: "Nora", familyName: "Nei", birthdate: "1985-06-15", country: "NO", outcome: .deny(afterPolls: 1)),
    ]

    /// The demo default, Terne Paulsen (Swedish BankID test person).
    public static let demoNumber = "196802020575"
    /// The Norwegian demo person, Mikkel CriiptoTest.
    public static let norwegianDemoNumber = "27034698436"
}
