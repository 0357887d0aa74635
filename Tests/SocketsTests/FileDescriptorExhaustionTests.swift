import Glibc
import StructuredLogging
import Synchronization
import Testing
@testable import Sockets

/// The listener's answer to EMFILE/ENFILE/ENOBUFS/ENOMEM from accept4: log once, pause for the
/// back-off instead of spinning, keep the pending client in the kernel backlog, accept it once
/// the back-off is over, and leave the connections already open alone.
///
/// Nothing here runs the process out of descriptors: `ScriptedAcceptSystem` makes accept4
/// report the error the test asks for (real exhaustion starves libdispatch and the Swift
/// runtime too, which trap and take the whole test process down), and the back-off runs on its
/// manual clock: the test fires each back-off itself, so no real time passes and no sleep is
/// needed to see that nothing happens while the listener is paused.
@Suite struct FileDescriptorExhaustionTests {
    @Test("push mode (startAccepting): backs off, logs once per episode, keeps the pending clients, serves them after",
          .timeLimit(.minutes(2)), arguments: [EMFILE, ENFILE, ENOBUFS, ENOMEM])
    func pushModeBacksOffAndRecovers(errorNumber: Int32) async throws {
        let system = ScriptedAcceptSystem()
        let logs = InMemoryLogHandler()
        let listener = try TCPListener.listen(
            on: try SocketAddress.parse("127.0.0.1:0"), logger: Logger(handler: logs, level: .debug), system: system.calls)
        defer { listener.close() }
        let (acceptedStream, acceptedSink) = AsyncStream<TCPConnection>.makeStream()
        listener.startAccepting { acceptedSink.yield($0) }
        var accepted = acceptedStream.makeAsyncIterator()
        var opened: [TCPConnection] = []
        defer { for connection in opened { connection.close() } }

        // A connection open before the exhaustion, to show it is not affected.
        let early = try await TCPConnection.connect(to: listener.localAddress)
        let earlyServer = try #require(await accepted.next())
        opened += [early, earlyServer]

        // The next three accepts fail; a client arrives and is not accepted.
        system.failNext(3, with: errorNumber)
        let waiting = try await TCPConnection.connect(to: listener.localAddress)
        opened.append(waiting)
        let firstBackoff = await system.nextBackoff()
        #expect(firstBackoff.delay == TCPListener.backoff)
        let paused = logs.records(event: "socket.accept_paused")
        try #require(paused.count == 1)
        #expect(paused[0].level == .warning)
        #expect(paused[0]["reason"] == String(cString: strerror(errorNumber)))
        #expect(paused[0]["listen"] == listener.localAddress.description)
        #expect(paused[0]["backoff_ms"] == "100")

        // Paused: a second client arrives; handling its readiness does not call accept4 (no spin).
        let second = try await TCPConnection.connect(to: listener.localAddress)
        opened.append(second)
        let callsWhilePaused = system.acceptCalls
        listener.handle(events: 0x001)  // EPOLLIN
        listener.handle(events: 0x001)  // EPOLLIN
        #expect(system.acceptCalls == callsWhilePaused)

        // The connection that was already open keeps working while the listener is paused.
        try await early.write([1, 2, 3], timeout: .seconds(60))
        #expect(try await readExactly(earlyServer, 3) == [1, 2, 3])
        try await earlyServer.write([4, 5], timeout: .seconds(60))
        #expect(try await readExactly(early, 2) == [4, 5])

        // Two more back-offs that fail again: still the one log line, not one per retry.
        system.advance(by: .milliseconds(100))
        firstBackoff.resume()
        let secondBackoff = await system.nextBackoff()
        system.advance(by: .milliseconds(100))
        secondBackoff.resume()
        let thirdBackoff = await system.nextBackoff()
        #expect(logs.records(event: "socket.accept_paused").count == 1)
        #expect(system.failuresLeft == 0)

        // The last back-off ends with descriptors available: both held-back clients are accepted and served.
        system.advance(by: .milliseconds(100))
        thirdBackoff.resume()
        let one = try #require(await accepted.next())
        let two = try #require(await accepted.next())
        opened += [one, two]
        #expect(Set([one.peerAddress, two.peerAddress]) == Set([waiting.localAddress, second.localAddress]))
        for (client, server) in [(waiting, one.peerAddress == waiting.localAddress ? one : two),
                                 (second, one.peerAddress == second.localAddress ? one : two)] {
            try await client.write([7], timeout: .seconds(60))
            #expect(try await readExactly(server, 1) == [7])
            try await server.write([8], timeout: .seconds(60))
            #expect(try await readExactly(client, 1) == [8])
        }
        #expect(logs.records(event: "socket.accept_failed").isEmpty)

        // A new episode more than 10 s later gets its own line.
        system.advance(by: .seconds(11))
        system.failNext(1, with: errorNumber)
        let third = try await TCPConnection.connect(to: listener.localAddress)
        opened.append(third)
        let laterBackoff = await system.nextBackoff()
        #expect(logs.records(event: "socket.accept_paused").count == 2)
        system.advance(by: .milliseconds(100))
        laterBackoff.resume()
        let thirdServer = try #require(await accepted.next())
        opened.append(thirdServer)
        #expect(thirdServer.peerAddress == third.localAddress)
    }

    /// `accept()` (the pull mode HTTPServer's accept loop uses): the exhaustion never reaches
    /// the caller as an error; its accept waits through the back-off and returns the client.
    @Test("pull mode (accept()): the waiting accept returns the pending client after the back-off, no error", .timeLimit(.minutes(2)))
    func pullModeWaitsThroughTheBackoff() async throws {
        let system = ScriptedAcceptSystem()
        let logs = InMemoryLogHandler()
        let listener = try TCPListener.listen(
            on: try SocketAddress.parse("127.0.0.1:0"), logger: Logger(handler: logs, level: .debug), system: system.calls)
        defer { listener.close() }
        system.failNext(2, with: EMFILE)
        let client = try await TCPConnection.connect(to: listener.localAddress)
        defer { client.close() }
        let accepting = Task { try await listener.accept() }
        let first = await system.nextBackoff()
        system.advance(by: .milliseconds(100))
        first.resume()
        let second = await system.nextBackoff()
        #expect(logs.records(event: "socket.accept_paused").count == 1)
        system.advance(by: .milliseconds(100))
        second.resume()
        let server = try await accepting.value
        defer { server.close() }
        #expect(server.peerAddress == client.localAddress)
        try await client.write([9, 9], timeout: .seconds(60))
        #expect(try await readExactly(server, 2) == [9, 9])
        #expect(system.failuresLeft == 0)
    }

    /// A listener without scripted failures behaves as the real one: the seam itself changes nothing.
    @Test(.timeLimit(.minutes(2)))
    func withoutFailuresEveryClientIsAcceptedAndNothingIsPaused() async throws {
        let system = ScriptedAcceptSystem()
        let logs = InMemoryLogHandler()
        let listener = try TCPListener.listen(
            on: try SocketAddress.parse("127.0.0.1:0"), logger: Logger(handler: logs, level: .debug), system: system.calls)
        defer { listener.close() }
        let client = try await TCPConnection.connect(to: listener.localAddress)
        defer { client.close() }
        let server = try await listener.accept()
        defer { server.close() }
        #expect(server.peerAddress == client.localAddress)
        #expect(system.backoffsScheduled == 0)
        #expect(logs.records(event: "socket.accept_paused").isEmpty)
    }
}

/// `ListenerSystemCalls` for tests: accept4 reports a chosen errno for the next N calls, then
/// the real accept4; a manual clock; back-offs handed to the test (`nextBackoff`) instead of
/// being timed, so the test decides when each one ends.
final class ScriptedAcceptSystem: Sendable {
    struct Backoff: Sendable {
        let delay: Duration
        /// Ends the back-off (what the timer would do after `delay`).
        let resume: @Sendable () -> Void
    }

    private struct State {
        var failuresLeft = 0
        var failure: Int32 = 0
        var acceptCalls = 0
        var backoffsScheduled = 0
        var now: UInt64 = 1_000_000_000
        var pendingBackoffs: [Backoff] = []
        var backoffWaiter: CheckedContinuation<Backoff, Never>?
    }

    private let state = Mutex(State())

    var calls: ListenerSystemCalls {
        ListenerSystemCalls(
            accept: { [self] listenerFD, address, length, flags in
                let scripted = state.withLock { s -> Int32? in
                    s.acceptCalls += 1
                    guard s.failuresLeft > 0 else { return nil }
                    s.failuresLeft -= 1
                    return s.failure
                }
                if let scripted { return (-1, scripted) }
                return ListenerSystemCalls.live.accept(listenerFD, address, length, flags)
            },
            now: { [self] in state.withLock { $0.now } },
            schedule: { [self] delay, action in
                let backoff = Backoff(delay: delay, resume: action)
                let waiter = state.withLock { s -> CheckedContinuation<Backoff, Never>? in
                    s.backoffsScheduled += 1
                    guard let waiter = s.backoffWaiter else { s.pendingBackoffs.append(backoff); return nil }
                    s.backoffWaiter = nil
                    return waiter
                }
                waiter?.resume(returning: backoff)
            })
    }

    /// The next `count` accept4 calls fail with `errorNumber`.
    func failNext(_ count: Int, with errorNumber: Int32) {
        state.withLock { $0.failuresLeft = count; $0.failure = errorNumber }
    }

    func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        state.withLock { $0.now += UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000) }
    }

    var acceptCalls: Int { state.withLock { $0.acceptCalls } }
    var failuresLeft: Int { state.withLock { $0.failuresLeft } }
    var backoffsScheduled: Int { state.withLock { $0.backoffsScheduled } }

    /// Waits for the listener to schedule its next back-off (the test's time limit bounds it).
    /// One waiter at a time.
    func nextBackoff() async -> Backoff {
        await withCheckedContinuation { (continuation: CheckedContinuation<Backoff, Never>) in
            let ready = state.withLock { s -> Backoff? in
                if !s.pendingBackoffs.isEmpty { return s.pendingBackoffs.removeFirst() }
                s.backoffWaiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
