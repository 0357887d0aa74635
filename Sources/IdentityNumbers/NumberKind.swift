/// The national identity number systems the caller-authentication flow understands.
///
/// The raw values are the names used in the configuration file (`numberKind` in a profile),
/// so they are part of the external contract and must never change.
public enum NumberKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Swedish personnummer or samordningsnummer (coordination number, day + 60).
    case sePersonnummer = "se-personnummer"
    /// Norwegian fødselsnummer or D-number (day + 40), including synthetic test numbers.
    case noFodselsnummer = "no-fodselsnummer"

    /// Digits in the normalised form: 12 for Sweden (`YYYYMMDDNNNC`), 11 for Norway (`DDMMYYIIIKK`).
    ///
    /// A keypad prompt should accept one digit more than this (see the Asterisk fixtures:
    /// `GET DATA file T 12` returns after the 12th digit and the caller's `#` leaks into the next command).
    public var normalizedLength: Int {
        switch self {
        case .sePersonnummer: return 12
        case .noFodselsnummer: return 11
        }
    }

    /// Digits of the normalised form that a masked form shows (8 for Sweden: the birth date;
    /// 6 for Norway: `DDMMYY`). Everything after is replaced by `*`.
    public var visibleDigits: Int {
        switch self {
        case .sePersonnummer: return 8
        case .noFodselsnummer: return 6
        }
    }

    public var description: String { rawValue }
}
