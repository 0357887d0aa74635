import StructuredLogging
import Testing
@testable import AGI

/// `AGISession.run` builds its `info` lines only when `info` is enabled; warnings still
/// come through at a higher level.
@Suite struct SessionLogLevelTests {
    static func runSession(level: LogLevel, register: Bool) async throws -> (InMemoryLogHandler, ScriptedTransport) {
        let fixture = try FixtureLoader.named("01_")
        let transport = ScriptedTransport(
            lines: (fixture.environmentLines + [""]).map { .init(direction: .fromAsterisk, text: $0, milliseconds: 0) }
                + [.init(direction: .fromServer, text: "VERBOSE \"ciba-agi: no handler for script 'basics'\" 1", milliseconds: 0),
                   .init(direction: .fromAsterisk, text: "200 result=1", milliseconds: 0)])
        var router = AGIRouter()
        if register { router.register("basics") { _ in } }
        let logs = InMemoryLogHandler()
        await AGISession.run(transport: transport, router: router, limits: AGISessionLimits(),
                             logger: Logger(handler: logs, level: level), sessionID: "levels")
        return (logs, transport)
    }

    @Test func infoLinesOnlyWhenInfoIsEnabled() async throws {
        let (quiet, quietTransport) = try await Self.runSession(level: .warning, register: false)
        #expect(quietTransport.isClosed)
        #expect(quiet.records(event: "agi.session.start").isEmpty)
        #expect(quiet.records(event: "agi.session.end").isEmpty)
        let warning = try #require(quiet.records(event: "agi.unknown_script").first)
        #expect(warning["script"] == "basics" && warning["session"] == "levels")

        let (verbose, _) = try await Self.runSession(level: .info, register: true)
        #expect(verbose.records(event: "agi.session.start").first?["script"] == "basics")
        let end = try #require(verbose.records(event: "agi.session.end").first)
        #expect(end["outcome"] == "ok" && end["commands"] == "0" && end["session"] == "levels")
    }
}
