import Synchronization
import Testing
import StructuredLogging
@testable import AGI

/// (d) Replays each recorded session: a scripted transport plays Asterisk's lines back to a
/// handler that issues the recorded commands (typed calls where one produces the same bytes),
/// and the test checks the exact bytes the session wrote and the typed results.
@Suite struct ReplayTests {
    struct Step: Sendable {
        var line: String
        var replies: [String]
        var typed: TypedCall?
        var command: AGICommand?

        var expected: String {
            if let typed { return typed.expectedOutcome(replyLines: replies) }
            let reply = replies.first(where: { $0 != "HANGUP" }) ?? ""
            return "raw:\(reply.prefix(3))"
        }

        func perform(on channel: AGIChannel) async -> String {
            if let typed { return await typed.perform(on: channel) }
            guard let command else { return "no command" }
            do {
                return "raw:\(try await channel.send(command).code)"
            } catch {
                return "error:\(error)"
            }
        }
    }

    /// The recorded lines without the last `HANGUP` Asterisk sends after the server's
    /// half-close (our session closes directly, so it never reads that line).
    static func sessionLines(_ fixture: Fixture) -> [Fixture.Line] {
        var lines = fixture.lines
        if fixture.notes.contains(where: { $0.contains("shutdown(SHUT_WR)") }),
           let last = lines.last, last.direction == .fromAsterisk, last.text == "HANGUP" {
            lines.removeLast()
        }
        return lines
    }

    static func steps(_ fixture: Fixture) -> [Step] {
        var steps: [Step] = []
        for line in fixture.protocolLines {
            switch line.direction {
            case .fromServer:
                let words = AsteriskArgumentParserForTests.split(line.text)
                let typed = TypedCall.from(words: words).flatMap { $0.command.line == line.text ? $0 : nil }
                steps.append(Step(line: line.text, replies: [], typed: typed, command: FixtureCommands.command(for: line.text)))
            case .fromAsterisk:
                if !steps.isEmpty { steps[steps.count - 1].replies.append(line.text) }
            }
        }
        return steps
    }

    static var replayable: [Fixture] {
        get throws { try FixtureLoader.all().filter { $0.hasTranscript && !$0.name.hasPrefix("08_") } }
    }

    @Test(arguments: try replayable, [nil, 5])
    func replay(_ fixture: Fixture, fragment: Int?) async throws {
        let steps = Self.steps(fixture)
        let transport = ScriptedTransport(lines: Self.sessionLines(fixture), fragment: fragment)
        let outcomes = Mutex<[String]>([])
        let hungUpAtEnd = Mutex(false)
        let env = try AGIEnvironmentParser.parse(lines: fixture.environmentLines)
        var router = AGIRouter()
        router.register(env.script) { channel in
            #expect(channel.environment.uniqueID == fixture.results["UNIQUEID"])
            for step in steps {
                let outcome = await step.perform(on: channel)
                outcomes.withLock { $0.append(outcome) }
            }
            hungUpAtEnd.withLock { $0 = channel.isHungUp }
        }
        let logs = InMemoryLogHandler()
        await AGISession.run(transport: transport, router: router, limits: AGISessionLimits(),
                             logger: Logger(handler: logs, level: .debug), sessionID: "replay")
        #expect(transport.mismatches == [])
        #expect(transport.written == fixture.serverLines.map { $0 + "\n" }.joined())
        #expect(outcomes.withLock { $0 } == steps.map(\.expected))
        #expect(transport.isClosed, "the session must always close the connection")
        #expect(hungUpAtEnd.withLock { $0 } == (fixture.results["AGISTATUS"] == "HANGUP"))
        let end = try #require(logs.records(event: "agi.session.end").first)
        #expect(end["commands"] == String(steps.count))
        #expect(end["uniqueid"] == fixture.results["UNIQUEID"])
        #expect(logs.records(event: "agi.session.start").first?["script"] == env.script)
    }

    /// Fixture 08: the recording server sent GET VARIABLE while WAIT FOR DIGIT was running,
    /// which made Asterisk abort the wait. Our channel never does that: a concurrent caller
    /// waits until the running command's reply has arrived.
    @Test func concurrentCommandsAreSerializedNotPipelined() async throws {
        let fixture = try FixtureLoader.named("08_")
        let env = fixture.environmentLines + [""]
        let transport = ScriptedTransport(lines: env.map { .init(direction: .fromAsterisk, text: $0, milliseconds: 0) } + [
            .init(direction: .fromServer, text: "WAIT FOR DIGIT 5000", milliseconds: 0),
            .init(direction: .fromAsterisk, text: "200 result=0", milliseconds: 0),
            .init(direction: .fromServer, text: "GET VARIABLE LAB_ID", milliseconds: 0),
            .init(direction: .fromAsterisk, text: "200 result=1 (fx08commandsen202844)", milliseconds: 0),
        ])
        let results = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("pipelined") { channel in
            async let digit = channel.waitForDigit(timeout: .seconds(5))
            try await Task.sleep(for: .milliseconds(20))
            async let value = channel.getVariable("LAB_ID")
            let (d, v) = try await (digit, value)
            results.withLock { $0 = [d.map(String.init) ?? "none", v ?? "unset"] }
        }
        await AGISession.run(transport: transport, router: router, limits: AGISessionLimits(), logger: .disabled, sessionID: "08")
        #expect(transport.mismatches == [])
        #expect(results.withLock { $0 } == ["none", "fx08commandsen202844"])
    }
}
