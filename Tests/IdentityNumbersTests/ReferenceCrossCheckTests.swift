import Foundation
import Testing
@testable import IdentityNumbers

/// Compares every verdict with an independent Python implementation of the published rules
/// (`Reference/reference_numbers.py`, standard library only), over hundreds of thousands of inputs:
/// every check digit over many dates, impossible dates, leap years, the 100-year boundary around
/// "today", `+` forms, separators, coordination/D-numbers, synthetic months and random junk.
@Suite("Cross-check against the independent Python reference")
struct ReferenceCrossCheckTests {
    /// (today, sparseness): a normal day, and a leap day where the century rule meets 29 February.
    @Test(arguments: [("2026-11-21", 1), ("2024-02-29", 3), ("2000-01-01", 4)])
    func everyVerdictMatchesTheReference(_ today: String, _ scale: Int) throws {
        let output = try runReference(today: today, scale: scale)
        let instant = TestDates.instant(today + "T12:00:00Z")
        var compared = 0
        var verdicts: [String: Int] = [:]
        var mismatches: [String] = []

        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 9, let kind = NumberKind(rawValue: fields[0]), let input = decodeHex(fields[1]) else {
                mismatches.append("unreadable reference line: \(line.prefix(40))")
                continue
            }
            compared += 1
            verdicts[fields[0] + " " + fields[2], default: 0] += 1
            let mine: [String]
            switch PersonalNumber.parse(input, kind: kind, today: instant) {
            case .success(let number):
                mine = ["valid", number.normalized, number.birthDateString, number.masked,
                        NumberMasking.mask(input, kind: kind), String(number.isCoordinationNumber), String(number.isSyntheticTestNumber)]
            case .failure(let error):
                #expect(error.kind == kind)
                mine = [error.reason.rawValue, "-", "-", "-", NumberMasking.mask(input, kind: kind), "-", "-"]
            }
            if mine != Array(fields[2...]) && mismatches.count < 25 {
                // Test numbers are synthetic; the reference line is printed so a failure is reproducible.
                mismatches.append("\(fields[0]) \(fields[1]): swift \(mine) python \(Array(fields[2...]))")
            }
        }

        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #expect(compared > 50_000)
        // The generated set must exercise every verdict of both kinds, or the comparison proves little.
        for kind in NumberKind.allCases {
            for verdict in ["valid", "characters", "length", "date", "checksum"] {
                #expect((verdicts["\(kind.rawValue) \(verdict)"] ?? 0) > 50, "too few \(kind) \(verdict)")
            }
        }
    }

    private func runReference(today: String, scale: Int) throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Reference/reference_numbers.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--today", today, "--scale", String(scale), "--seed", "4573"]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read to EOF before waiting: the output is megabytes and would fill the pipe otherwise.
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 reference failed: \(String(decoding: errors, as: UTF8.self))")
        return String(decoding: data, as: UTF8.self)
    }

    private func decodeHex(_ hex: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next() {
            guard let low = iterator.next(), let h = nibble(high), let l = nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return String(bytes: bytes, encoding: .utf8)
    }

    private func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
