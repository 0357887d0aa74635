import Foundation
import AGI
import IdentityNumbers
import StructuredLogging

/// Collects the caller's number with `GET DATA ciba/enter-id-number` (CONTRACT §1.2–§1.3).
///
/// `maxdigits` is one more than the longest valid number, so the caller's closing `#`
/// ends the input instead of leaking into the next digit-reading command (Asterisk returns
/// after `maxdigits` digits). A stray `#` or `*` in the digits is removed before validation.
/// Empty input re-prompts too; after `maxAttempts` the result is `no_input` when the caller
/// never typed anything, else `invalid_number`.
struct NumberCollector: Sendable {
    let channel: AGIChannel
    let kind: NumberKind
    let maxAttempts: Int
    let timeout: Duration
    let log: Logger

    func collect() async throws -> NumberEntry {
        var typedAnything = false
        for attempt in 1...max(1, maxAttempts) {
            let input = try await channel.getData(Prompt.enterIDNumber.file, timeout: timeout, maxDigits: kind.normalizedLength + 1)
            let digits = input.digits.filter { $0 != "#" && $0 != "*" }
            if digits.isEmpty {
                log.info("number.no_input", ["attempt": String(attempt)])
                continue
            }
            typedAnything = true
            switch PersonalNumber.parse(digits, kind: kind) {
            case .success(let number):
                log.info("number.accepted", ["attempt": String(attempt), "number": number.masked])
                return .number(number)
            case .failure(let error):
                log.info("number.invalid", ["attempt": String(attempt), "reason": String(describing: error.reason),
                                            "number": NumberMasking.mask(digits, kind: kind)])
                if attempt < maxAttempts {
                    _ = try await channel.streamFile(Prompt.invalidIDNumber.file)
                }
            }
        }
        if typedAnything {
            return .outcome(.failed(.invalidNumber, reason: "no valid number after \(maxAttempts) attempts"))
        }
        return .outcome(.failed(.noInput, reason: "caller entered nothing"))
    }
}

/// The result of identifying the caller's number: the number, or the session's end.
enum NumberEntry: Sendable {
    case number(PersonalNumber)
    case outcome(SessionOutcome)
}
