import Foundation
import Synchronization
import Testing
import StructuredLogging
@testable import AGI

/// `result=` where a DTMF key code is expected comes from the peer: an out-of-range number must
/// fail that one session with a protocol violation, never trap the process (issue 8, bug 1).
@Suite struct DigitResultRangeTests {
    static let outOfRange = ["5000000000", "4294967296", "1114112", "55296", "200", "127", "99999999999999999999999"]

    @Test(arguments: outOfRange)
    func waitForDigitWithAnOutOfRangeCodeIsAProtocolViolationOfThatSessionOnly(_ value: String) async throws {
        let bad = ScriptedTransport.manual(environment: SessionTests.environment)
        let good = ScriptedTransport.manual(environment: SessionTests.environment)
        let outcomes = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("test") { channel in
            do {
                let digit = try await channel.waitForDigit(timeout: .seconds(10))
                outcomes.withLock { $0.append("digit:\(digit.map(String.init) ?? "none")") }
            } catch let error as AGIError {
                outcomes.withLock { $0.append("error:\(error.kind.name)") }
            }
        }
        let badSession = SessionTests.start(bad, router)
        let goodSession = SessionTests.start(good, router)
        #expect(await bad.waitForWrites(1))
        #expect(await good.waitForWrites(1))
        bad.deliver(["200 result=\(value)"])
        await badSession.value
        good.deliver(["200 result=57"])
        await goodSession.value
        #expect(outcomes.withLock { $0 } == ["error:protocolViolation", "digit:9"])
    }

    @Test(arguments: outOfRange)
    func playbackWithAnOutOfRangeCodeIsAProtocolViolation(_ value: String) async throws {
        let transport = ScriptedTransport.manual(environment: SessionTests.environment)
        let outcome = Mutex("")
        var router = AGIRouter()
        router.register("test") { channel in
            do {
                _ = try await channel.streamFile("beep", escapeDigits: "#")
                outcome.withLock { $0 = "played" }
            } catch let error as AGIError {
                outcome.withLock { $0 = error.kind.name }
            }
        }
        let session = SessionTests.start(transport, router)
        #expect(await transport.waitForWrites(1))
        transport.deliver(["200 result=\(value) endpos=800"])
        await session.value
        #expect(outcome.withLock { $0 } == "protocolViolation")
    }

    @Test(arguments: [("0", nil), ("35", "#"), ("42", "*"), ("48", "0"), ("57", "9"), ("65", "A"), ("68", "D")] as [(String, Character?)])
    func everyDTMFKeyCodeIsStillADigit(_ value: String, _ expected: Character?) throws {
        let reply = AGIResponse(code: 200, result: value)
        #expect(try reply.digitFromResult("test") == expected)
    }
}
