import Foundation
import Testing
@testable import IdentityNumbers

@Suite("Norwegian fødselsnummer, D-number and synthetic numbers")
struct NorwegianNumberTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        let input: String
        let birthDate: String
        let dNumber: Bool
        let synthetic: Bool
        var testDescription: String { NumberMasking.mask(input, kind: .noFodselsnummer) }
    }

    // Check digits computed independently (Tests/IdentityNumbersTests/Reference/reference_numbers.py).
    static let valid: [Valid] = [
        .init(input: "27034698436", birthDate: "1946-03-27", dNumber: false, synthetic: false),  // Mikkel CriiptoTest (individual 984)
        .init(input: "270346 98436", birthDate: "1946-03-27", dNumber: false, synthetic: false),
        .init(input: "270346-98436", birthDate: "1946-03-27", dNumber: false, synthetic: false),
        .init(input: "41019012393", birthDate: "1990-01-01", dNumber: true, synthetic: false),   // D-number
        .init(input: "01819012365", birthDate: "1990-01-01", dNumber: false, synthetic: true),   // Tenor synthetic, month + 80
        .init(input: "01419012382", birthDate: "1990-01-01", dNumber: false, synthetic: true),   // month + 40 (NAV synthetic)
        .init(input: "01519012320", birthDate: "1990-11-01", dNumber: false, synthetic: true),   // month 51 = November + 40
        .init(input: "01810750045", birthDate: "2007-01-01", dNumber: false, synthetic: true),   // individual 500, 2000s
        .init(input: "01010050053", birthDate: "2000-01-01", dNumber: false, synthetic: false),
        .init(input: "31129949980", birthDate: "1999-12-31", dNumber: false, synthetic: false),  // individual 499
        .init(input: "29020050088", birthDate: "2000-02-29", dNumber: false, synthetic: false),  // leap day
    ]

    @Test(arguments: valid)
    func acceptsValidNumbers(_ row: Valid) throws {
        let number = try PersonalNumber.parse(row.input, kind: .noFodselsnummer, today: TestDates.today).get()
        let digits = row.input.filter(\.isNumber)
        #expect(number.normalized == digits)
        #expect(number.birthDateString == row.birthDate)
        #expect(number.isCoordinationNumber == row.dNumber)
        #expect(number.isSyntheticTestNumber == row.synthetic)
        #expect(number.masked == String(digits.prefix(6)) + "*****")
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let input: String
        let reason: NumberValidationError.Reason
        var testDescription: String { "\(reason): " + NumberMasking.mask(input, kind: .noFodselsnummer) }
    }

    static let invalid: [Invalid] = [
        .init(input: "27034698437", reason: .checksum),   // k2 wrong
        .init(input: "27034698446", reason: .checksum),   // k1 wrong
        .init(input: "01019012300", reason: .checksum),   // this payload's k1 would be 10: no digit fits
        .init(input: "2703469843", reason: .length),
        .init(input: "270346984366", reason: .length),
        .init(input: "", reason: .length),
        .init(input: "27034698436#", reason: .characters),
        .init(input: "270346+98436", reason: .characters),
        .init(input: "27134698436", reason: .date),       // month 13
        .init(input: "29029949954", reason: .date),       // 29 February 1999
        .init(input: "32019012300", reason: .date),       // day 32
        .init(input: "01016080000", reason: .date),       // individual 800 with year 60: no century
        .init(input: "01014060000", reason: .date),       // individual 600 with year 40: no century
        .init(input: "01013550000", reason: .date),       // 2035: in the future
        .init(input: "01619012300", reason: .date),       // month 61 is neither +40 nor +80
    ]

    @Test(arguments: invalid)
    func refusesInvalidNumbers(_ row: Invalid) {
        let result = PersonalNumber.parse(row.input, kind: .noFodselsnummer, today: TestDates.today)
        #expect(result == .failure(NumberValidationError(reason: row.reason, kind: .noFodselsnummer)))
    }

    @Test(arguments: [
        (500, 54, 1800), (749, 99, 1800), (500, 53, nil), (750, 60, nil), (899, 99, nil),
        (0, 0, 1900), (499, 99, 1900), (500, 0, 2000), (999, 39, 2000), (900, 40, 1900), (999, 99, 1900),
    ] as [(Int, Int, Int?)])
    func centuryFromIndividualNumber(_ individual: Int, _ year: Int, _ century: Int?) {
        #expect(NorwegianFodselsnummer.century(individual: individual, twoDigitYear: year) == century)
    }

    @Test func aSwedishNumberIsNotNorwegian() {
        #expect(!PersonalNumber.isValid("196802020575", kind: .noFodselsnummer, today: TestDates.today))
    }
}
