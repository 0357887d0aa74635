import AGI
import Sockets
import StructuredLogging
import Synchronization

/// A fake Asterisk that places one call into a FastAGI server and records the transcript.
///
/// It behaves like Asterisk 22 in the fixtures: the same environment block, the same replies
/// (variables store with Asterisk's argument parsing, GET DATA / WAIT FOR DIGIT with timed
/// DTMF, playback with escape digits and `endpos`, 510/511/520), unsolicited `HANGUP` when the
/// caller hangs up, dead-channel mode afterwards, and one last `HANGUP` when the server closes.
/// It never waits longer than its `timeout`, so a silent server cannot hang a test.
public final class FakeAsterisk: Sendable {
    public let call: FakeCall
    private static let sequence = Mutex(0)

    public init(call: FakeCall) {
        self.call = call
    }

    /// Calls a FastAGI server over TCP (like `AGI(agi://host:port/script)`).
    /// Throws the connect error when nothing listens (Asterisk: AGISTATUS=FAILURE).
    public func place(to address: SocketAddress, timeout: Duration = .seconds(120)) async throws -> CallTranscript {
        let connection = try await TCPConnection.connect(to: address, timeout: .seconds(60))  // a failure bound only
        return await run(over: TCPAsteriskTransport(connection), serverAddress: address.description, timeout: timeout)
    }

    /// Runs the call against `router` in memory: an `AGISession` on one end of an in-memory
    /// pipe, the fake on the other. Returns once the session has ended too (or after a short
    /// grace if the handler ignores cancellation).
    ///
    /// - Parameter clock: the session's deadline clock (a `ManualDeadlineClock` makes reply
    ///   timeouts happen exactly when the test advances it).
    public func place(
        through router: AGIRouter, limits: AGISessionLimits = AGISessionLimits(),
        clock: any AGIDeadlineClock = SocketLoopDeadlineClock(),
        logger: Logger = .disabled, timeout: Duration = .seconds(120)
    ) async throws -> CallTranscript {
        let (server, asterisk) = InMemoryTransport.pair()
        let sessionID = "fake-\(FakeAsterisk.nextSequence())"
        let session = Task {
            await AGISession.run(transport: server, router: router, limits: limits, clock: clock, logger: logger, sessionID: sessionID)
        }
        let transcript = await run(over: asterisk, serverAddress: "127.0.0.1:4573", timeout: timeout)
        await FakeAsterisk.wait(for: session, atMost: .seconds(5))
        return transcript
    }

    /// Plays the Asterisk side over any transport (its other end is the server under test).
    ///
    /// - Parameter timeline: virtual call time moved by the test (see ``FakeTimeline``); nil:
    ///   real time scaled by the call's `timeScale`.
    public func run(over transport: any AGITransport, serverAddress: String, timeout: Duration = .seconds(120),
                    timeline: FakeTimeline? = nil) async -> CallTranscript {
        let (stream, continuation) = AsyncStream<FakeAsteriskEngine.Event>.makeStream()
        let entries = FakeEnvironmentBlock.entries(for: call, serverAddress: serverAddress, sequence: FakeAsterisk.nextSequence())
        let engine = FakeAsteriskEngine(call: call, environment: entries, transport: transport, events: continuation,
                                        timeline: timeline)
        timeline?.attach(events: continuation, transport: transport)
        transport.startReceiving(
            onReceive: { chunk in continuation.yield(.bytes(Array(chunk))) },
            onClose: { _ in continuation.yield(.closed) })
        await engine.begin(environmentLines: FakeEnvironmentBlock.lines(entries), deadline: timeout)
        for await event in stream {
            await engine.handle(event)
            if engine.finished { break }
        }
        await engine.end()
        timeline?.end()
        return CallTranscript(
            lines: engine.lines, events: engine.notes, variables: engine.variables.values,
            agiStatus: engine.agiStatus, closedByServer: engine.closedByServer, timedOut: engine.timedOut)
    }

    private static func nextSequence() -> Int {
        sequence.withLock { value in
            value += 1
            return value
        }
    }

    /// Waits for `task` to finish, but no longer than `limit`.
    static func wait(for task: Task<Void, Never>, atMost limit: Duration) async {
        let done = Mutex(false)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume: @Sendable () -> Void = {
                let first = done.withLock { flag -> Bool in
                    defer { flag = true }
                    return !flag
                }
                if first { continuation.resume() }
            }
            Task {
                await task.value
                resume()
            }
            ScheduledTimer.schedule(after: limit) { resume() }
        }
    }
}
