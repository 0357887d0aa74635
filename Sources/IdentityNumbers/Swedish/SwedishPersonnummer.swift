/// Swedish personnummer and samordningsnummer (Skatteverket, SKV 704 / SFS 1991:481).
///
/// Format `YYYYMMDD-NNNC` or the 10-digit `YYMMDD-NNNC` / `YYMMDD+NNNC`:
/// - `DD` + 60 is a samordningsnummer (coordination number, day 61–91).
/// - `C` is a Luhn check digit over the 10-digit form `YYMMDDNNN` (weights 2,1,2,1,…, digit sums).
/// - 10-digit input gets the century that makes the person 0–99 years old today (the `-` form; a
///   keypad cannot type `-`, so digits only mean the same), or 100 years older with `+`.
/// - The birth date must exist, must not be in the future, and must not be before 1800.
enum SwedishPersonnummer {
    static func parse(_ input: String, today: (year: Int, month: Int, day: Int)) -> Result<PersonalNumber, NumberValidationError> {
        func fail(_ reason: NumberValidationError.Reason) -> Result<PersonalNumber, NumberValidationError> {
            .failure(NumberValidationError(reason: reason, kind: .sePersonnummer))
        }
        let scanned = ScannedInput(input)
        if scanned.hasForeignCharacters || scanned.plusSigns > 1 { return fail(.characters) }
        let digits = scanned.digits
        guard digits.count == 10 || digits.count == 12 else { return fail(.length) }
        // `+` marks the 10-digit form of someone 100 or older; it means nothing next to a full year.
        if scanned.plusSigns == 1 && digits.count == 12 { return fail(.characters) }

        let tail = Array(digits.suffix(10))            // YYMMDDNNNC
        let month = tail.number(at: 2, count: 2)
        let rawDay = tail.number(at: 4, count: 2)
        let isCoordination = rawDay > 60
        let day = isCoordination ? rawDay - 60 : rawDay

        let year: Int
        if digits.count == 12 {
            year = digits.number(at: 0, count: 4)
        } else {
            let twoDigitYear = tail.number(at: 0, count: 2)
            var candidate = (today.year / 100) * 100 + twoDigitYear
            if (candidate, month, day) > (today.year, today.month, today.day) { candidate -= 100 }
            if scanned.plusSigns == 1 { candidate -= 100 }
            year = candidate
        }

        guard year >= 1800,
              let birthDate = BirthDate(year: year, month: month, day: day),
              (birthDate.year, birthDate.month, birthDate.day) <= (today.year, today.month, today.day)
        else { return fail(.date) }

        guard luhnCheckDigit(Array(tail.prefix(9))) == tail[9] else { return fail(.checksum) }

        let normalized = String(year / 100).leftPadded(to: 2) + ScannedInputDigits.text(tail)
        return .success(PersonalNumber(kind: .sePersonnummer, normalized: normalized, birthDate: birthDate,
                                       isCoordinationNumber: isCoordination, isSyntheticTestNumber: false))
    }

    /// Luhn check digit for `payload` (the 9 digits `YYMMDDNNN`): weights 2,1,2,… from the left,
    /// two-digit products contribute their digit sum.
    static func luhnCheckDigit(_ payload: [Int]) -> Int {
        var sum = 0
        for (index, digit) in payload.enumerated() {
            let product = index % 2 == 0 ? digit * 2 : digit
            sum += product > 9 ? product - 9 : product
        }
        return (10 - sum % 10) % 10
    }
}

enum ScannedInputDigits {
    static func text(_ digits: [Int]) -> String { String(digits.map { Character(String($0)) }) }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
