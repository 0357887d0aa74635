import Foundation

/// A validated Swedish personnummer / samordningsnummer or Norwegian fødselsnummer / D-number.
///
/// The only way to get one is ``parse(_:kind:today:)``, so holding a `PersonalNumber` means the
/// digits passed every check (characters, length, real date not in the future, check digits).
///
/// **Privacy**: `description`, `debugDescription` and the reflection mirror (`dump`, `print` of a
/// containing struct) all show the *masked* form, so string interpolation into a log line or an
/// error text can never leak the full number. Only ``normalized`` holds it; use that for the
/// provider request and the ID-token claim comparison, nowhere else.
public struct PersonalNumber: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Which number system this is.
    public let kind: NumberKind
    /// Digits only: 12 for Sweden (`YYYYMMDDNNNC`, day + 60 kept for a samordningsnummer),
    /// 11 for Norway (`DDMMYYIIIKK`, day + 40 / month + 40 or + 80 kept). Secret: never log it.
    public let normalized: String
    /// The real birth date (coordination/D-number and synthetic offsets removed, century resolved).
    public let birthDate: BirthDate
    /// A Swedish samordningsnummer (day + 60) or a Norwegian D-number (day + 40).
    public let isCoordinationNumber: Bool
    /// A Norwegian synthetic number: month + 40 (NAV's synthetic test persons; the health sector's
    /// H-numbers use the same offset) or month + 80 (Skatteetaten's Tenor test persons, as used by
    /// Idura's and BankID's test environments). Always `false` for Swedish numbers.
    public let isSyntheticTestNumber: Bool

    init(kind: NumberKind, normalized: String, birthDate: BirthDate, isCoordinationNumber: Bool, isSyntheticTestNumber: Bool) {
        self.kind = kind
        self.normalized = normalized
        self.birthDate = birthDate
        self.isCoordinationNumber = isCoordinationNumber
        self.isSyntheticTestNumber = isSyntheticTestNumber
    }

    /// Validates and normalises `input` as typed by a caller (keypad digits) or an agent
    /// (`YYMMDD-NNNN`, `YYYYMMDD-NNNN`, `YYMMDD+NNNN`, `DDMMYY NNNNN`; spaces and dashes ignored).
    ///
    /// - Parameter today: "now", used for the Swedish century rule of 10-digit input and to refuse
    ///   birth dates in the future. It is turned into a civil date in Europe/Stockholm
    ///   (see `ReferenceDay` for why not UTC). Inject a fixed date in tests.
    /// - Returns: the number, or the first reason it is invalid (order: characters, length, date, checksum).
    ///   Never traps, whatever the input.
    public static func parse(_ input: String, kind: NumberKind, today: Date = Date()) -> Result<PersonalNumber, NumberValidationError> {
        let civil = ReferenceDay.civilDate(of: today)
        switch kind {
        case .sePersonnummer:
            return SwedishPersonnummer.parse(input, today: civil)
        case .noFodselsnummer:
            return NorwegianFodselsnummer.parse(input, today: civil)
        }
    }

    /// Whether `input` is a valid number of `kind` today.
    public static func isValid(_ input: String, kind: NumberKind, today: Date = Date()) -> Bool {
        if case .success = parse(input, kind: kind, today: today) { return true }
        return false
    }

    /// `YYYY-MM-DD` of the birth date (for `CIBA_BIRTHDATE` when the token has no `birthdate`).
    public var birthDateString: String { birthDate.iso8601 }

    /// The loggable form: `19680202****` (Sweden, last 4 hidden), `270346*****` (Norway, last 5 hidden).
    public var masked: String {
        String(normalized.prefix(kind.visibleDigits)) + String(repeating: "*", count: normalized.count - kind.visibleDigits)
    }

    /// The masked form: never the full number.
    public var description: String { masked }
    /// The masked form: never the full number.
    public var debugDescription: String { masked }
    /// Shows only the kind and the masked form to `dump` and debuggers.
    public var customMirror: Mirror {
        Mirror(self, children: ["kind": kind, "masked": masked], displayStyle: .struct)
    }
}
