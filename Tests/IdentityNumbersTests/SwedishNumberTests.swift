import Foundation
import Testing
@testable import IdentityNumbers

@Suite("Swedish personnummer and samordningsnummer")
struct SwedishNumberTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        let input: String
        let normalized: String
        let birthDate: String
        let coordination: Bool
        var testDescription: String { NumberMasking.mask(input, kind: .sePersonnummer) }
    }

    // Check digits computed independently (Tests/IdentityNumbersTests/Reference/reference_numbers.py).
    static let valid: [Valid] = [
        .init(input: "196802020575", normalized: "196802020575", birthDate: "1968-02-02", coordination: false),  // Idura/BankID test person
        .init(input: "19680202-0575", normalized: "196802020575", birthDate: "1968-02-02", coordination: false),
        .init(input: " 1968 0202 0575 ", normalized: "196802020575", birthDate: "1968-02-02", coordination: false),
        .init(input: "6802020575", normalized: "196802020575", birthDate: "1968-02-02", coordination: false),     // keypad, 10 digits
        .init(input: "680202-0575", normalized: "196802020575", birthDate: "1968-02-02", coordination: false),
        .init(input: "680202+0575", normalized: "186802020575", birthDate: "1868-02-02", coordination: false),    // + = 100 or older
        .init(input: "680202\u{2013}0575", normalized: "196802020575", birthDate: "1968-02-02", coordination: false), // pasted en dash
        .init(input: "196802620572", normalized: "196802620572", birthDate: "1968-02-02", coordination: true),    // samordningsnummer
        .init(input: "680262-0572", normalized: "196802620572", birthDate: "1968-02-02", coordination: true),
        .init(input: "2611211232", normalized: "202611211232", birthDate: "2026-11-21", coordination: false),     // born today: age 0
        .init(input: "2611221231", normalized: "192611221231", birthDate: "1926-11-22", coordination: false),     // 100th birthday tomorrow: 99
        .init(input: "261121+1232", normalized: "192611211232", birthDate: "1926-11-21", coordination: false),    // 100 today
        .init(input: "0002291235", normalized: "200002291235", birthDate: "2000-02-29", coordination: false),     // leap day
    ]

    @Test(arguments: valid)
    func acceptsValidNumbers(_ row: Valid) throws {
        let number = try PersonalNumber.parse(row.input, kind: .sePersonnummer, today: TestDates.today).get()
        #expect(number.normalized == row.normalized)
        #expect(number.birthDateString == row.birthDate)
        #expect(number.birthDate.iso8601 == row.birthDate)
        #expect(number.isCoordinationNumber == row.coordination)
        #expect(number.isSyntheticTestNumber == false)
        #expect(number.kind == .sePersonnummer)
        #expect(number.masked == String(row.normalized.prefix(8)) + "****")
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let input: String
        let reason: NumberValidationError.Reason
        var testDescription: String { "\(reason): " + NumberMasking.mask(input, kind: .sePersonnummer) }
    }

    static let invalid: [Invalid] = [
        .init(input: "196802020576", reason: .checksum),
        .init(input: "6802020574", reason: .checksum),
        .init(input: "196802620573", reason: .checksum),
        .init(input: "19680202057", reason: .length),
        .init(input: "1968020205755", reason: .length),
        .init(input: "", reason: .length),
        .init(input: "#", reason: .characters),
        .init(input: "19680202057#", reason: .characters),
        .init(input: "680202-057X", reason: .characters),
        .init(input: "680202++0575", reason: .characters),
        .init(input: "19680202+0575", reason: .characters),    // + only means something in the 10-digit form
        .init(input: "١٩٦٨٠٢٠٢٠٥٧٥", reason: .characters),     // Arabic-Indic digits
        .init(input: "196813020575", reason: .date),           // month 13
        .init(input: "196802300575", reason: .date),           // 30 February
        .init(input: "010229-1234", reason: .date),            // 2001 is no leap year
        .init(input: "196802920575", reason: .date),           // day 92 (samordning 32)
        .init(input: "196802600575", reason: .date),           // day 60 (samordning 0)
        .init(input: "202712011234", reason: .date),           // in the future
        .init(input: "179912311234", reason: .date),           // before 1800
    ]

    @Test(arguments: invalid)
    func refusesInvalidNumbers(_ row: Invalid) {
        let result = PersonalNumber.parse(row.input, kind: .sePersonnummer, today: TestDates.today)
        #expect(result == .failure(NumberValidationError(reason: row.reason, kind: .sePersonnummer)))
    }

    @Test func centuryRuleUsesTheSwedishCivilDateNotUTC() throws {
        // 23:30 UTC on 20 November is already 21 November in Stockholm: someone born 2026-11-21 exists.
        let lateEvening = TestDates.instant("2026-11-20T23:30:00Z")
        let number = try PersonalNumber.parse("2611211232", kind: .sePersonnummer, today: lateEvening).get()
        #expect(number.birthDateString == "2026-11-21")
        // One hour earlier it is still 20 November in Stockholm: the same digits mean 1926.
        let earlier = TestDates.instant("2026-11-20T22:30:00Z")
        let older = try PersonalNumber.parse("2611211232", kind: .sePersonnummer, today: earlier).get()
        #expect(older.birthDateString == "1926-11-21")
    }

    @Test func twelveDigitNumberBornTomorrowIsRefused() {
        let result = PersonalNumber.parse("202611221231", kind: .sePersonnummer, today: TestDates.today)
        #expect(result == .failure(NumberValidationError(reason: .date, kind: .sePersonnummer)))
        #expect(PersonalNumber.isValid("202611221231", kind: .sePersonnummer, today: TestDates.instant("2026-11-22T08:00:00Z")))
    }

    @Test func luhnDigitMatchesThePublishedExample() {
        // Skatteverket's brochure example 811218-9876: check digit 6 over 811218987.
        #expect(SwedishPersonnummer.luhnCheckDigit([8, 1, 1, 2, 1, 8, 9, 8, 7]) == 6)
    }

    @Test func aNorwegianNumberIsNotSwedish() {
        #expect(!PersonalNumber.isValid("27034698436", kind: .sePersonnummer, today: TestDates.today))
    }
}
