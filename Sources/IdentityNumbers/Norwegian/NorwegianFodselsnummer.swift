/// Norwegian fødselsnummer, D-number and synthetic test numbers (Skatteetaten, folkeregisterforskriften).
///
/// Format `DDMMYYIIIKK` (11 digits):
/// - `DD` + 40 is a D-number (day 41–71).
/// - `MM` + 40 (NAV's synthetic persons, also H-numbers) or + 80 (Skatteetaten's Tenor synthetic
///   persons) marks a synthetic number; the real month is recovered by removing the offset.
/// - The century comes from the individual number `III` and `YY`:
///   000–499 → 1900–1999; 500–749 with YY 54–99 → 1854–1899; 500–999 with YY 00–39 → 2000–2039;
///   900–999 with YY 40–99 → 1940–1999. Any other combination has no century (reason `date`).
/// - `K1`, `K2` are mod-11 check digits with weights 3 7 6 1 8 9 4 5 2 and 5 4 3 2 7 6 5 4 3 2
///   (11 − sum mod 11; 11 → 0; 10 → no valid number). The rules for numbers issued from 2032
///   (relaxed k1) are not implemented: no such number exists yet.
/// - The birth date must exist and must not be in the future.
enum NorwegianFodselsnummer {
    static let k1Weights = [3, 7, 6, 1, 8, 9, 4, 5, 2]
    static let k2Weights = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]

    static func parse(_ input: String, today: (year: Int, month: Int, day: Int)) -> Result<PersonalNumber, NumberValidationError> {
        func fail(_ reason: NumberValidationError.Reason) -> Result<PersonalNumber, NumberValidationError> {
            .failure(NumberValidationError(reason: reason, kind: .noFodselsnummer))
        }
        let scanned = ScannedInput(input)
        if scanned.hasForeignCharacters || scanned.plusSigns > 0 { return fail(.characters) }
        let digits = scanned.digits
        guard digits.count == 11 else { return fail(.length) }

        let rawDay = digits.number(at: 0, count: 2)
        let rawMonth = digits.number(at: 2, count: 2)
        let twoDigitYear = digits.number(at: 4, count: 2)
        let individual = digits.number(at: 6, count: 3)

        let isDNumber = rawDay > 40
        let day = isDNumber ? rawDay - 40 : rawDay
        let month: Int
        let isSynthetic: Bool
        switch rawMonth {
        case 41...52: month = rawMonth - 40; isSynthetic = true
        case 81...92: month = rawMonth - 80; isSynthetic = true
        default: month = rawMonth; isSynthetic = false
        }

        guard let century = century(individual: individual, twoDigitYear: twoDigitYear),
              let birthDate = BirthDate(year: century + twoDigitYear, month: month, day: day),
              (birthDate.year, birthDate.month, birthDate.day) <= (today.year, today.month, today.day)
        else { return fail(.date) }

        guard let k1 = checkDigit(Array(digits.prefix(9)), weights: k1Weights), k1 == digits[9],
              let k2 = checkDigit(Array(digits.prefix(10)), weights: k2Weights), k2 == digits[10]
        else { return fail(.checksum) }

        return .success(PersonalNumber(kind: .noFodselsnummer, normalized: ScannedInputDigits.text(digits), birthDate: birthDate,
                                       isCoordinationNumber: isDNumber, isSyntheticTestNumber: isSynthetic))
    }

    /// The first year of the century (1800, 1900, 2000) for an individual number, or `nil` when the
    /// combination was never issued.
    static func century(individual: Int, twoDigitYear: Int) -> Int? {
        switch individual {
        case 0...499: return 1900
        case 500...749 where twoDigitYear >= 54: return 1800
        case 500...999 where twoDigitYear <= 39: return 2000
        case 900...999 where twoDigitYear >= 40: return 1900
        default: return nil
        }
    }

    /// Mod-11 check digit, or `nil` when the remainder gives 10 (no number may use this payload).
    static func checkDigit(_ payload: [Int], weights: [Int]) -> Int? {
        var sum = 0
        for (digit, weight) in zip(payload, weights) { sum += digit * weight }
        let value = 11 - sum % 11
        if value == 11 { return 0 }
        if value == 10 { return nil }
        return value
    }
}
