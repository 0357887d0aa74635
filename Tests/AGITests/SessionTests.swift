import Foundation
import Synchronization
import Testing
import StructuredLogging
@testable import AGI
import AGITesting

@Suite struct SessionTests {
    static let environment = [
        "agi_network: yes", "agi_network_script: test?x=1", "agi_request: agi://127.0.0.1:4573/test?x=1",
        "agi_channel: PJSIP/test-00000001", "agi_uniqueid: 1795292824.43", "agi_callerid: 0701234567",
    ]

    static func start(_ transport: ScriptedTransport, _ router: AGIRouter, limits: AGISessionLimits = AGISessionLimits(),
                      clock: any AGIDeadlineClock = SocketLoopDeadlineClock(),
                      logs: InMemoryLogHandler = InMemoryLogHandler(), level: LogLevel = .info) -> Task<Void, Never> {
        Task {
            await AGISession.run(transport: transport, router: router, limits: limits, clock: clock,
                                 logger: Logger(handler: logs, level: level), sessionID: "s1")
        }
    }

    @Test func hangupWhileIdleCancelsSleepingHandlerAtOnce() async throws {
        let transport = ScriptedTransport.manual(environment: Self.environment)
        let observed = Mutex<[String]>([])
        let sleeping = Mutex(false)
        var router = AGIRouter()
        router.register("test") { channel in
            #expect(channel.environment.query == ["x": "1"])
            sleeping.withLock { $0 = true }
            do {
                try await Task.sleep(for: .seconds(3600))  // only a cancellation ends it
                observed.withLock { $0.append("slept") }
            } catch is CancellationError {
                observed.withLock { $0.append("cancelled hungUp=\(channel.isHungUp)") }
            }
            await channel.waitForHangup()
            // Dead-channel commands still go to Asterisk after the hang-up.
            let value = try await channel.getVariable("LAB_ID")
            observed.withLock { $0.append("value=\(value ?? "unset")") }
        }
        let session = Self.start(transport, router)
        while !sleeping.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(2)) }
        transport.deliver(["HANGUP"])
        #expect(await transport.waitForWrites(1))
        #expect(transport.writtenLines == ["GET VARIABLE LAB_ID"])
        transport.deliver(["200 result=1 (x)"])
        await session.value
        #expect(observed.withLock { $0 } == ["cancelled hungUp=true", "value=x"])
        #expect(transport.isClosed)
    }

    @Test func hangupDuringCommandThenDeadChannelErrors() async throws {
        let transport = ScriptedTransport.manual(environment: Self.environment)
        let observed = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("test") { channel in
            do {
                _ = try await channel.waitForDigit(timeout: .seconds(10))
            } catch let error as AGIError {
                observed.withLock { $0.append("wait:\(error.kind.name)") }
            }
            do {
                _ = try await channel.streamFile("beep")
            } catch let error as AGIError {
                // The HANGUP line was parsed before the 511 answer: the channel knows it is dead.
                // (Task cancellation is requested at the same moment but may become visible to
                // the handler a scheduling step later, so it is not asserted here.)
                observed.withLock { $0.append("stream:\(error.kind.name) hungUp=\(channel.isHungUp)") }
            }
        }
        let session = Self.start(transport, router)
        #expect(await transport.waitForWrites(1))
        transport.deliver(["200 result=-1"])
        #expect(await transport.waitForWrites(2))
        transport.deliver(["HANGUP", "511 Command Not Permitted on a dead channel or intercept routine"])
        await session.value
        #expect(observed.withLock { $0 } == ["wait:hangup", "stream:deadChannel hungUp=true"])
        #expect(transport.writtenLines == ["WAIT FOR DIGIT 10000", #"STREAM FILE beep """#])
    }

    @Test func socketClosedMidCommandFailsPendingAndLaterCommandsAtOnce() async throws {
        let transport = ScriptedTransport.manual(environment: Self.environment)
        let observed = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("test") { channel in
            for _ in 0..<2 {
                do {
                    _ = try await channel.getData("beep", timeout: .seconds(5), maxDigits: 4)
                } catch let error as AGIError {
                    observed.withLock { $0.append(error.kind.name) }
                }
            }
            observed.withLock { $0.append("hungUp=\(channel.isHungUp) closed=\(channel.isClosed)") }
        }
        let session = Self.start(transport, router)
        #expect(await transport.waitForWrites(1))
        transport.peerCloses()
        await session.value
        #expect(observed.withLock { $0 } == ["closed", "closed", "hungUp=true closed=true"])
        #expect(transport.writtenLines.count == 1)
    }

    @Test func oversizedLineClosesTheSession() async throws {
        let transport = ScriptedTransport.manual(environment: Self.environment)
        let logs = InMemoryLogHandler()
        let observed = Mutex<String>("")
        var router = AGIRouter()
        router.register("test") { channel in
            do {
                _ = try await channel.getVariable("X")
            } catch let error as AGIError {
                observed.withLock { $0 = error.kind.name }
            }
        }
        let session = Self.start(transport, router, logs: logs)
        #expect(await transport.waitForWrites(1))
        transport.deliver(bytes: Array(repeating: UInt8(ascii: "A"), count: 9000))
        await session.value
        #expect(observed.withLock { $0 } == "lineTooLong")
        #expect(transport.isClosed)
        #expect(logs.records(event: "agi.session.error").first?["error"] == "lineTooLong")
    }

    @Test func oversizedEnvironmentLineIsRefused() async throws {
        let transport = ScriptedTransport.manual(environment: ["agi_network: yes", "agi_x: " + String(repeating: "y", count: 9000)])
        let logs = InMemoryLogHandler()
        let ran = Mutex(false)
        var router = AGIRouter()
        router.register("test") { _ in ran.withLock { $0 = true } }
        await Self.start(transport, router, logs: logs).value
        #expect(!ran.withLock { $0 })
        #expect(transport.isClosed)
        #expect(logs.records(event: "agi.session.end").first?["outcome"] == "lineTooLong")
    }

    @Test func silentPeerHitsTheEnvironmentTimeout() async throws {
        let transport = ScriptedTransport(lines: [], manual: true)
        let logs = InMemoryLogHandler()
        await Self.start(transport, AGIRouter(), limits: AGISessionLimits(environmentTimeout: .milliseconds(200)), logs: logs).value
        #expect(transport.isClosed)
        #expect(logs.records(event: "agi.session.end").first?["outcome"] == "timedOut")
    }

    @Test func silentPeerAfterCommandHitsTheReplyTimeout() async throws {
        let transport = ScriptedTransport.manual(environment: Self.environment)
        let observed = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("test") { channel in
            for _ in 0..<2 {
                do { try await channel.noop() } catch let error as AGIError { observed.withLock { $0.append(error.kind.name) } }
            }
        }
        await Self.start(transport, router, limits: AGISessionLimits(defaultReplyTimeout: .milliseconds(200))).value
        // After a reply timeout the stream is out of step, so the session is closed.
        #expect(observed.withLock { $0 } == ["timedOut", "closed"])
        #expect(transport.isClosed)
    }

    @Test func nonUTF8BytesAreDecodedLossily() async throws {
        let transport = ScriptedTransport(lines: [], manual: true)
        var env: [UInt8] = []
        for line in Self.environment { env += Array(line.utf8) + [0x0A] }
        env += Array("agi_calleridname: B".utf8) + [0xF6, 0x72, 0x6A, 0x65, 0x0A, 0x0A]
        let observed = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("test") { channel in
            observed.withLock { $0.append(channel.environment.callerIDName) }
            let value = try await channel.getVariable("X")
            observed.withLock { $0.append(value ?? "unset") }
        }
        let session = Self.start(transport, router)
        transport.deliver(bytes: env)
        #expect(await transport.waitForWrites(1))
        transport.deliver(bytes: Array("200 result=1 (\u{1}".utf8) + [0xFF, 0xFE] + Array(")\n".utf8))
        await session.value
        #expect(observed.withLock { $0 } == ["B\u{FFFD}rje", "\u{1}\u{FFFD}\u{FFFD}"])
    }

    @Test func unknownScriptSendsVerboseAndClosesWithoutHangup() async throws {
        let env = Self.environment.map { $0.replacingOccurrences(of: "test?x=1", with: "nope") }
        let transport = ScriptedTransport(lines: (env + [""]).map { .init(direction: .fromAsterisk, text: $0, milliseconds: 0) } + [
            .init(direction: .fromServer, text: #"VERBOSE "ciba-agi: no handler for script 'nope'" 1"#, milliseconds: 0),
            .init(direction: .fromAsterisk, text: "200 result=1", milliseconds: 0),
        ])
        let logs = InMemoryLogHandler()
        var router = AGIRouter()
        router.register("test") { _ in Issue.record("wrong handler") }
        await Self.start(transport, router, logs: logs).value
        #expect(transport.mismatches == [])
        #expect(!transport.written.contains("HANGUP"))
        #expect(transport.isClosed)
        #expect(logs.records(event: "agi.unknown_script").first?["script"] == "nope")
    }

    @Test func commandValuesOfIDNumberVariablesAreNeverLogged() async throws {
        for level in [LogLevel.debug, .info] {
            let transport = ScriptedTransport.manual(environment: Self.environment)
            let logs = InMemoryLogHandler()
            var router = AGIRouter()
            router.register("test") { channel in
                try await channel.setVariable("CIBA_ID_NUMBER", "196802020575")
                try await channel.setVariable("CIBA_NAME", "Åsa Öberg")
            }
            let session = Self.start(transport, router, logs: logs, level: level)
            #expect(await transport.waitForWrites(1))
            transport.deliver(["200 result=1"])
            #expect(await transport.waitForWrites(2))
            transport.deliver(["200 result=1"])
            await session.value
            let all = logs.lines.joined(separator: "\n")
            #expect(!all.contains("196802020575"))
            #expect(all.contains("Åsa") == (level == .debug))
            #expect(transport.writtenLines.first == #"SET VARIABLE CIBA_ID_NUMBER "196802020575""#)
        }
    }

    @Test func invalidArgumentsAreRefusedBeforeSending() async throws {
        let transport = ScriptedTransport.manual(environment: Self.environment)
        let observed = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("test") { channel in
            for value in ["a\nHANGUP", String(repeating: "x", count: 3000)] {
                do { try await channel.setVariable("X", value) } catch let error as AGIError { observed.withLock { $0.append(error.kind.name) } }
            }
        }
        await Self.start(transport, router).value
        #expect(observed.withLock { $0 } == ["invalidArgument", "commandTooLong"])
        #expect(transport.written.isEmpty)
    }
}

@Suite struct SessionCloseTests {
    @Test func peerCloseWhileIdleCancelsTheHandler() async throws {
        let transport = ScriptedTransport.manual(environment: SessionTests.environment)
        let observed = Mutex<[String]>([])
        let sleeping = Mutex(false)
        var router = AGIRouter()
        router.register("test") { channel in
            sleeping.withLock { $0 = true }
            do { try await Task.sleep(for: .seconds(60)) } catch { observed.withLock { $0.append("cancelled") } }
            do { try await channel.noop() } catch let error as AGIError { observed.withLock { $0.append(error.kind.name) } }
        }
        let session = SessionTests.start(transport, router)
        while !sleeping.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(2)) }
        transport.peerCloses()
        await session.value
        #expect(observed.withLock { $0 } == ["cancelled", "closed"])
        #expect(transport.written.isEmpty)
    }
}

/// The session's single re-armable timer, driven by a manual clock: every step (reply in
/// time, timer fires early and re-arms, timer lapses while idle, deadline passes) is made to
/// happen in order, whatever the machine's load.
@Suite struct SessionDeadlineTests {
    /// Lets the test and a handler take turns (the handler waits at `pass()`).
    final class Turns: Sendable {
        private let stream: AsyncStream<Void>
        private let continuation: AsyncStream<Void>.Continuation
        private let waiting = Mutex(false)
        init() { (stream, continuation) = AsyncStream.makeStream(of: Void.self) }
        /// The handler's side: says it got here (its previous reply is consumed), then waits.
        func pass() async {
            waiting.withLock { $0 = true }
            for await _ in stream { return }
        }
        var handlerWaits: Bool { waiting.withLock { $0 } }
        func go() { continuation.yield() }
    }

    /// Waits (bounded: a failure bound only) until `condition` holds.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition(), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(2)) }
        return condition()
    }

    /// A short command deadline after a long one re-arms the session's single timer earlier;
    /// an idle gap lets the timer lapse and the next command arms it again.
    @Test func shortDeadlineAfterLongAndAfterIdleGap() async throws {
        let clock = ManualDeadlineClock()
        let transport = ScriptedTransport.manual(environment: SessionTests.environment)
        let observed = Mutex<[String]>([])
        let turns = Turns()
        var router = AGIRouter()
        router.register("test") { channel in
            try await channel.noop()                                   // default deadline: 3 s
            await turns.pass()                                         // idle while the test moves time
            do {
                _ = try await channel.waitForDigit(timeout: .milliseconds(100))  // 100 ms + 100 ms slack
            } catch let error as AGIError {
                observed.withLock { $0.append(error.kind.name) }
            }
        }
        let session = SessionTests.start(transport, router, limits: AGISessionLimits(replyTimeoutSlack: .milliseconds(100), defaultReplyTimeout: .seconds(3)),
                                         clock: clock)
        #expect(await transport.waitForWrites(1))
        transport.deliver(["200 result=0"])
        #expect(await Self.eventually { turns.handlerWaits })
        clock.advance(by: .milliseconds(300))                          // idle: the 3 s timer stays armed
        turns.go()
        #expect(await transport.waitForWrites(2))
        clock.advance(by: .milliseconds(199))
        #expect(observed.withLock { $0 }.isEmpty)                      // not before its 200 ms
        clock.advance(by: .milliseconds(1))                            // long before the 3 s timer
        #expect(await Self.eventually { !observed.withLock { $0 }.isEmpty })
        #expect(observed.withLock { $0 } == ["timedOut"])
        await session.value
        #expect(transport.writtenLines == ["NOOP", "WAIT FOR DIGIT 100"])
    }

    @Test func replyDeadlineAppliesAgainAfterTheTimerLapsed() async throws {
        let clock = ManualDeadlineClock()
        let transport = ScriptedTransport.manual(environment: SessionTests.environment)
        let observed = Mutex<[String]>([])
        let turns = Turns()
        var router = AGIRouter()
        router.register("test") { channel in
            try await channel.noop()
            await turns.pass()
            do { try await channel.noop() } catch let error as AGIError { observed.withLock { $0.append(error.kind.name) } }
        }
        let session = SessionTests.start(transport, router, limits: AGISessionLimits(defaultReplyTimeout: .milliseconds(150)), clock: clock)
        #expect(await transport.waitForWrites(1))
        transport.deliver(["200 result=0"])
        #expect(await Self.eventually { turns.handlerWaits })
        clock.advance(by: .milliseconds(400))   // the 150 ms timer fires with nothing to wait for and lapses
        #expect(clock.pendingCount == 0)
        turns.go()
        #expect(await transport.waitForWrites(2))
        #expect(clock.pendingCount == 1)        // the second NOOP armed a new timer
        clock.advance(by: .milliseconds(150))
        #expect(await Self.eventually { !observed.withLock { $0 }.isEmpty })
        #expect(observed.withLock { $0 } == ["timedOut"])
        await session.value
    }

    /// The armed timer fires before a later deadline: it re-arms itself for that deadline
    /// (neither timing out early nor never).
    @Test func earlyTimerReArmsForTheLaterDeadline() async throws {
        let clock = ManualDeadlineClock()
        let transport = ScriptedTransport.manual(environment: SessionTests.environment)
        let observed = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("test") { channel in
            _ = try await channel.waitForDigit(timeout: .milliseconds(100))   // deadline 200 ms, answered at once
            do { try await channel.noop() } catch let error as AGIError {    // deadline 1 s
                observed.withLock { $0.append(error.kind.name) }
            }
        }
        let session = SessionTests.start(transport, router,
                                         limits: AGISessionLimits(replyTimeoutSlack: .milliseconds(100), defaultReplyTimeout: .seconds(1)),
                                         clock: clock)
        #expect(await transport.waitForWrites(1))
        transport.deliver(["200 result=0"])
        #expect(await transport.waitForWrites(2))
        clock.advance(by: .milliseconds(200))   // the 200 ms timer fires early ...
        #expect(clock.pendingCount == 1)        // ... and re-arms for the NOOP's 1 s
        clock.advance(by: .milliseconds(799))
        #expect(observed.withLock { $0 }.isEmpty)
        clock.advance(by: .milliseconds(1))
        #expect(await Self.eventually { !observed.withLock { $0 }.isEmpty })
        #expect(observed.withLock { $0 } == ["timedOut"])
        await session.value
    }
}
