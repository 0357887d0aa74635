import Foundation
import Synchronization
import Testing
@testable import AGI
@testable import AGITesting

/// Runs each fixture's recorded server side (the `>>` lines at their recorded times, the
/// close at the end) against FakeAsterisk and compares the fake's answers with what the real
/// Asterisk 22 answered. Ids come from the fixture's own environment.
///
/// Time is virtual (``FakeTimeline``): before each recorded line the fake's call time moves to
/// that line's recorded time (and on, timer by timer, while the server waits for a reply), so
/// prompts, digit timeouts and keypresses happen exactly where they did in the recording,
/// however loaded the machine is (real time used to turn a busy CI box into wrong answers).
@Suite struct FakeAsteriskFixtureTests {
    static let scale = 1.0

    /// What the caller did in each recording (from the `call.sh` line and the reply times).
    static func call(for fixture: Fixture) throws -> FakeCall {
        let env = try AGIEnvironmentParser.parse(lines: fixture.environmentLines)
        var overrides: [String: String] = [:]
        for entry in env.entries where !entry.key.hasPrefix("agi_arg_") { overrides[entry.key] = entry.value }
        var call = FakeCall(script: env.networkScript, arguments: env.arguments, environment: overrides,
                            variables: ["LAB_ID": fixture.results["CALL_ID"] ?? ""], timeScale: scale)
        let id = String(fixture.name.prefix(3))
        switch id {
        case "01_", "01d": call.missingSoundFiles = ["no-such-sound-file"]
        default: break
        }
        if id == "01_" || id == "03b" { call.answered = false }
        // Caller actions are tied to the command they happened during (times measured from
        // that command's start in the recording), so a slow machine cannot shift them.
        switch id {
        case "02a", "02b": call.keypresses = [FakeKeypress(at: .milliseconds(1681), digits: "123456789012#", gap: .milliseconds(352), afterCommand: "GET DATA")]
        case "02d": call.keypresses = [FakeKeypress(at: .milliseconds(1700), digits: "123", gap: .milliseconds(352), afterCommand: "GET DATA")]
        case "02e": call.keypresses = [FakeKeypress(at: .milliseconds(1694), digits: "123#", gap: .milliseconds(352), afterCommand: "GET DATA")]
        case "03a": call.keypresses = [FakeKeypress(at: .milliseconds(3700), digits: "5", afterCommand: "SET MUSIC")]
        case "04a": (call.hangupAt, call.hangupAfterCommand) = (.milliseconds(2500), "VERBOSE")
        case "04b": (call.hangupAt, call.hangupAfterCommand) = (.milliseconds(2501), "WAIT FOR DIGIT")
        case "04c":
            call.keypresses = [FakeKeypress(at: .milliseconds(2100), digits: "12", gap: .milliseconds(352), afterCommand: "GET DATA")]
            (call.hangupAt, call.hangupAfterCommand) = (.milliseconds(2803), "GET DATA")
        case "04d": (call.hangupAt, call.hangupAfterCommand) = (.milliseconds(2499), "STREAM FILE")
        case "07_": call.keypresses = [FakeKeypress(at: .milliseconds(1701), digits: "5", afterCommand: "STREAM FILE"),
                                       FakeKeypress(at: .milliseconds(3950), digits: "42#", gap: .milliseconds(352), afterCommand: "GET DATA")]
        case "09_": call.keypresses = [FakeKeypress(at: .milliseconds(1900), digits: "7")]
        default: break
        }
        return call
    }

    /// Collects lines arriving on the server's end of the pipe.
    final class LineCollector: Sendable {
        private let state = Mutex<(lines: [String], closed: Bool, splitter: AGILineSplitter)>(([], false, AGILineSplitter(maxLineLength: 1 << 20)))

        func receive(_ chunk: ArraySlice<UInt8>) {
            state.withLock { s in
                var splitter = s.splitter
                var lines = s.lines
                try? splitter.append(chunk) { lines.append($0); return true }
                s.splitter = splitter
                s.lines = lines
            }
        }
        func close() { state.withLock { $0.closed = true } }
        var lines: [String] { state.withLock { $0.lines } }
        var closed: Bool { state.withLock { $0.closed } }

        func wait(until condition: @Sendable (LineCollector) -> Bool, within limit: Duration = .seconds(120)) async {
            let deadline = ContinuousClock.now + limit
            while !condition(self), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(2)) }
        }
    }

    /// Moves the fake's call time to `callTime` and then, while the replies the recorded server
    /// had before its next step are missing (it waits for one), on to the fake's next timer:
    /// the time that passes while a server waits for Asterisk. Returns when they are there or
    /// nothing more can happen.
    static func settle(_ timeline: FakeTimeline, at callTime: Duration, server: InMemoryTransport,
                       collector: LineCollector, needed: Int) async {
        var target = callTime
        while true {
            let next = await timeline.advance(to: target)
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in server.afterPendingDeliveries { done.resume() } }
            if collector.lines.count >= needed { return }
            guard let next else { return }
            target = next
        }
    }

    static func sameReply(_ actual: String, _ recorded: String) -> Bool {
        if actual == recorded { return true }
        guard let a = actual.range(of: "endpos="), let r = recorded.range(of: "endpos="),
              actual[..<a.lowerBound] == recorded[..<r.lowerBound],
              let av = Int(actual[a.upperBound...]), let rv = Int(recorded[r.upperBound...]) else { return false }
        // Virtual time: only the recording's own timing noise is left; allow 100 ms (800 samples).
        return abs(av - rv) <= 800
    }

    @Test(arguments: try FixtureLoader.all().filter(\.hasTranscript))
    func fakeAnswersLikeAsterisk(_ fixture: Fixture) async throws {
        let call = try Self.call(for: fixture)
        let fake = FakeAsterisk(call: call)
        let (server, asterisk) = InMemoryTransport.pair()
        let collector = LineCollector()
        server.startReceiving(onReceive: { collector.receive($0) }, onClose: { _ in collector.close() })
        let timeline = FakeTimeline()
        let run = Task { await fake.run(over: asterisk, serverAddress: "127.0.0.1:4573", timeout: .seconds(300), timeline: timeline) }  // a failure bound only

        // Play the recorded server: each >> line at its recorded call time, once every << line
        // recorded before it has arrived.
        var fromAsteriskBefore = 0
        let envCount = fixture.environmentLines.count + 1
        for line in fixture.lines {
            if line.direction == .fromAsterisk { fromAsteriskBefore += 1; continue }
            let needed = fromAsteriskBefore
            await Self.settle(timeline, at: .microseconds(Int(line.milliseconds * 1000)), server: server, collector: collector, needed: needed)
            try await server.send(Array((line.text + "\n").utf8))
        }
        // Then close the way the recording server did.
        let closeNote = fixture.notes.first(where: { $0.contains("server: close()") || $0.contains("shutdown(SHUT_WR)") })
        let closeMs = closeNote.flatMap { note in
            note.split(separator: "[").dropFirst().first.flatMap { Double($0.split(separator: "m").first?.trimmingCharacters(in: .whitespaces) ?? "") }
        } ?? 0
        let beforeClose = fixture.lines.filter { $0.direction == .fromAsterisk && $0.milliseconds <= closeMs }.count
        await Self.settle(timeline, at: .microseconds(Int(closeMs * 1000)), server: server, collector: collector, needed: beforeClose)
        if closeNote?.contains("close()") == true { server.close() } else { server.shutdownWrite() }
        await collector.wait(until: { $0.closed })
        let transcript = await run.value

        let recorded = fixture.lines.filter { $0.direction == .fromAsterisk }.map(\.text)
        let actual = collector.lines
        #expect(Array(actual.prefix(envCount)) == Array(recorded.prefix(envCount)), "environment block")
        #expect(actual.count == recorded.count, "\(fixture.name): \(actual.dropFirst(envCount)) vs \(recorded.dropFirst(envCount))")
        for (a, r) in zip(actual, recorded).dropFirst(envCount) {
            #expect(Self.sameReply(a, r), "\(fixture.name): got \(a), Asterisk said \(r)")
        }
        #expect(transcript.agiStatus == fixture.results["AGISTATUS"])
        #expect(transcript.closedByServer)
        #expect(!transcript.timedOut)
        #expect(transcript.commands == fixture.serverLines)
        if fixture.name.hasPrefix("09_") {
            #expect(transcript.events.contains { $0.text.contains("DTMF 7 lost") })
        }
        for (key, value) in fixture.results where key.hasPrefix("CIBA_") && !value.isEmpty {
            #expect(transcript.variables[key] == value, "\(key)")
        }
    }
}
