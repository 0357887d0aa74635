import CIBASimulator
import Foundation
import IdentityNumbers
import Testing

@Suite struct CatalogTests {
    func kind(_ person: SimulatedPerson) -> NumberKind { person.country == "NO" ? .noFodselsnummer : .sePersonnummer }

    @Test func everyCatalogNumberIsValidAndNormalised() throws {
        for person in SimulatedPerson.catalog {
            let parsed = try PersonalNumber.parse(person.number, kind: kind(person)).get()
            #expect(parsed.normalized == person.number, "\(parsed.masked)")
            #expect(parsed.birthDateString == person.birthdate, "\(parsed.masked)")
        }
    }

    @Test func mismatchNumbersAreValidAndBelongToNobody() throws {
        _ = try PersonalNumber.parse(SimulatedPerson.mismatchNumber, kind: .sePersonnummer).get()
        _ = try PersonalNumber.parse(SimulatedPerson.norwegianMismatchNumber, kind: .noFodselsnummer).get()
        let numbers = Set(SimulatedPerson.catalog.map(\.number))
        #expect(!numbers.contains(SimulatedPerson.mismatchNumber))
        #expect(!numbers.contains(SimulatedPerson.norwegianMismatchNumber))
        #expect(numbers.count == SimulatedPerson.catalog.count)
    }

    @Test func everyOutcomeHasASwedishPersonAndTheDemoPersonsAreThere() throws {
        let swedish = SimulatedPerson.catalog.filter { $0.country == "SE" }
        func has(_ match: (SimulatedOutcome) -> Bool) -> Bool { swedish.contains { match($0.outcome) } }
        #expect(has { if case .approve = $0 { true } else { false } })
        #expect(has { if case .deny = $0 { true } else { false } })
        for outcome: SimulatedOutcome in [.expire, .slowDownThenApprove, .unknownUser, .identityMismatch, .invalidSignature, .providerError500HTML, .garbageJSON, .noAnswer] {
            #expect(has { $0 == outcome }, "\(outcome)")
        }
        let terne = try #require(SimulatedPerson.catalog.first { $0.number == SimulatedPerson.demoNumber })
        #expect(terne.name == "Terne Paulsen")
        #expect(terne.outcome == .approve(afterPolls: 2))
        let mikkel = try #require(SimulatedPerson.catalog.first { $0.number == SimulatedPerson.norwegianDemoNumber })
        #expect(mikkel.name == "Mikkel CriiptoTest")
        #expect(mikkel.birthdate == "1946-03-27")
        #expect(SimulatedPerson.catalog.contains { $0.country == "NO" && $0.outcome == .deny(afterPolls: 1) })
    }

    @Test func subjectIsAStableBracedUUIDPerPerson() {
        let subjects = SimulatedPerson.catalog.map(\.subject)
        #expect(Set(subjects).count == subjects.count)
        for subject in subjects {
            #expect(subject.hasPrefix("{") && subject.hasSuffix("}"))
            #expect(UUID(uuidString: String(subject.dropFirst().dropLast())) != nil)
        }
        #expect(SimulatedPerson.catalog[0].subject == SimulatedPerson.catalog[0].subject)
    }
}
