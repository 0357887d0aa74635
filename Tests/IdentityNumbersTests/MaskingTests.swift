import Foundation
import Testing
@testable import IdentityNumbers

@Suite("Masking never reveals a full number")
struct MaskingTests {
    @Test func validNumbersMaskTheTail() throws {
        let swedish = try PersonalNumber.parse("680202-0575", kind: .sePersonnummer, today: TestDates.today).get()
        #expect(swedish.masked == "19680202****")
        let norwegian = try PersonalNumber.parse("27034698436", kind: .noFodselsnummer, today: TestDates.today).get()
        #expect(norwegian.masked == "270346*****")
    }

    @Test func everyTextualFormIsMasked() throws {
        let number = try PersonalNumber.parse("196802020575", kind: .sePersonnummer, today: TestDates.today).get()
        struct Holder { let number: PersonalNumber }
        var dumped = ""
        dump(number, to: &dumped)
        var dumpedHolder = ""
        dump(Holder(number: number), to: &dumpedHolder)
        let forms = [
            "\(number)", String(describing: number), String(reflecting: number), number.description,
            number.debugDescription, dumped, dumpedHolder, "\(Holder(number: number))", "\([number])", "\(Optional(number) as Any)",
        ]
        for form in forms {
            #expect(!form.contains("196802020575"), "leaked: \(form.count) characters")
            #expect(!form.contains("0575"))
            #expect(form.contains("19680202****"))
        }
    }

    @Test func errorTextNeverContainsTheInput() {
        let inputs = ["196802020576", "27034698437", "1968020205"]
        for input in inputs {
            for kind in NumberKind.allCases {
                if case .failure(let error) = PersonalNumber.parse(input, kind: kind, today: TestDates.today) {
                    #expect(!"\(error)".contains(input.suffix(4)))
                    #expect(!String(reflecting: error).contains(input.suffix(4)))
                }
            }
        }
    }

    @Test(arguments: [
        // Swedish
        ("196802020575", NumberKind.sePersonnummer, "19680202****"),
        ("19680202-0575", .sePersonnummer, "19680202****"),
        ("6802020575", .sePersonnummer, "680202****"),
        ("196802020", .sePersonnummer, "*********"),            // too short: nothing shown
        ("19680202057", .sePersonnummer, "196802*****"),         // 11 digits: only YYMMDD-length prefix
        ("", .sePersonnummer, ""),
        ("abc#", .sePersonnummer, ""),
        (String(repeating: "9", count: 40), .sePersonnummer, "99999999" + String(repeating: "*", count: 16)),
        // Norwegian
        ("27034698436", .noFodselsnummer, "270346*****"),
        ("270346 98436", .noFodselsnummer, "270346*****"),
        ("2703469843", .noFodselsnummer, "**********"),
        ("270346984361", .noFodselsnummer, "270346******"),
    ] as [(String, NumberKind, String)])
    func rawInputMasking(_ input: String, _ kind: NumberKind, _ expected: String) {
        #expect(NumberMasking.mask(input, kind: kind) == expected)
    }

    @Test func rawMaskingNeverShowsMoreThanTheBirthDatePart() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let count = Int.random(in: 0...30, using: &generator)
            let digits = String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
            for kind in NumberKind.allCases {
                let masked = NumberMasking.mask(digits, kind: kind)
                let shown = masked.prefix { $0 != "*" }
                #expect(shown.count <= kind.visibleDigits)
                if count < kind.normalizedLength - (kind == .sePersonnummer ? 2 : 0) { #expect(shown.isEmpty) }
                #expect(digits.hasPrefix(shown))
            }
        }
    }
}
