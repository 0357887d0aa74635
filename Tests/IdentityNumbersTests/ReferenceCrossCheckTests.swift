import Foundation
import Testing
import ProcessSpawning
@testable import IdentityNumbers

/// Compares every verdict with an independent Python implementation of the published rules
/// (`Reference/reference_numbers.py`, standard library only), over hundreds of thousands of inputs:
/// every check digit over many dates, impossible dates, leap years, the 100-year boundary around
/// "today", `+` forms, separators, coordination/D-numbers, synthetic months and random junk.
@Suite("Cross-check against the independent Python reference")
struct ReferenceCrossCheckTests {
    /// (today, sparseness): a normal day, a leap day where the century rule meets 29 February, and a
/// turn of the century. Sparseness 1 is the full set (about 360 000 inputs); 2 halves the dates.
    @Test(.serialized, arguments: [("2026-11-21", 6), ("2024-02-29", 9), ("2000-01-01", 12)])
    func everyVerdictMatchesTheReference(_ today: String, _ scale: Int) async throws {
        let output = try await runReference(today: today, scale: scale)
        let instant = TestDates.instant(today + "T12:00:00Z")
        // Hundreds of thousands of comparisons are CPU-bound for tens of seconds in a debug
        // build: run them on a thread of their own so the two threads of the cooperative pool
        // stay free for the timing-sensitive tests running in parallel.
        let (compared, verdicts, mismatches) = await Self.offThePool { () -> (Int, [String: Int], [String]) in
            var compared = 0
            var verdicts: [String: Int] = [:]
            var mismatches: [String] = []
            for line in output.split(separator: "\n") {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 9, let kind = NumberKind(rawValue: fields[0]), let input = Self.decodeHex(fields[1]) else {
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
                    mine = [error.kind == kind ? error.reason.rawValue : "wrong-kind", "-", "-", "-",
                            NumberMasking.mask(input, kind: kind), "-", "-"]
                }
                if mine != Array(fields[2...]) && mismatches.count < 25 {
                    // Test numbers are synthetic; the reference line is printed so a failure is reproducible.
                    mismatches.append("\(fields[0]) \(fields[1]): swift \(mine) python \(Array(fields[2...]))")
                }
            }
            return (compared, verdicts, mismatches)
        }

        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #expect(compared > 10_000)
        // The generated set must exercise every verdict of both kinds, or the comparison proves little.
        for kind in NumberKind.allCases {
            for verdict in ["valid", "characters", "length", "date", "checksum"] {
                #expect((verdicts["\(kind.rawValue) \(verdict)"] ?? 0) > 50, "too few \(kind) \(verdict)")
            }
        }
    }

    private func runReference(today: String, scale: Int) async throws -> String {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Reference/reference_numbers.py")
        // posix_spawn + files, not Foundation's Process + pipes: no thread of the (2-thread)
        // cooperative pool is blocked while Python runs, and no Process.run() crash.
        let result = try await SpawnedProcess.run(
            ["python3", script.path, "--today", today, "--scale", String(scale), "--seed", "4573"],
            timeout: .seconds(300))
        try #require(result.status == 0, "python3 reference failed: \(String(decoding: result.stderr, as: UTF8.self))")
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// Runs CPU-bound work on a dedicated thread and awaits its result.
    private static func offThePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    private static func decodeHex(_ hex: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next() {
            guard let low = iterator.next(), let h = nibble(high), let l = nibble(low) else { return nil }
            bytes.append(h << 4 | l)
        }
        return String(bytes: bytes, encoding: .utf8)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
