/// Masks numbers for logs, audit records and error texts, including input that failed validation.
///
/// Rules for raw, unvalidated input (only ASCII digits count; every other character is dropped):
/// - Sweden: 12 or more digits show the first 8 (the `YYYYMMDD` of a 12-digit number); 10 or 11
///   digits show the first 6 (`YYMMDD`); fewer than 10 show none.
/// - Norway: 11 or more digits show the first 6 (`DDMMYY`); fewer show none.
/// - Every hidden digit becomes one `*` (so a wrong length stays visible), at most 16 stars.
///
/// So a masked form never reveals more than the birth-date part, and nothing at all of input too
/// short to be a number (a short input could be the tail of a number). For a valid number this gives
/// exactly ``PersonalNumber/masked``: `19680202****`, `270346*****`.
public enum NumberMasking {
    /// Longest run of `*` emitted, so a flood of digits cannot flood a log line.
    public static let maximumStars = 16

    /// The masked form of `input` for `kind` (see the type's rules). Empty input gives `""`.
    public static func mask(_ input: String, kind: NumberKind) -> String {
        let digits = input.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }.map(Character.init)
        let visible: Int
        switch kind {
        case .sePersonnummer:
            visible = digits.count >= 12 ? 8 : (digits.count >= 10 ? 6 : 0)
        case .noFodselsnummer:
            visible = digits.count >= 11 ? 6 : 0
        }
        let stars = min(digits.count - visible, maximumStars)
        return String(digits.prefix(visible)) + String(repeating: "*", count: stars)
    }
}
