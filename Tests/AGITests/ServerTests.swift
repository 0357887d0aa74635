import AGI
import NetworkTesting
import Sockets
import StructuredLogging
import Synchronization
import Testing

@Suite struct FastAGIServerTests {
    let loopback = try! SocketAddress.parse("127.0.0.1:0")

    func makeServer(
        _ router: AGIRouter, allowed: AllowList = .loopback, maxSessions: Int = 100,
        limits: AGISessionLimits = AGISessionLimits(), listen: [SocketAddress]? = nil
    ) throws -> (FastAGIServer, [SocketAddress], InMemoryLogHandler) {
        let logs = InMemoryLogHandler()
        let configuration = FastAGIServerConfiguration(
            listen: listen ?? [loopback], allowedClients: allowed, maxSessions: maxSessions, limits: limits)
        let server = FastAGIServer(configuration: configuration, router: router, logger: Logger(handler: logs, level: .debug))
        let addresses = try server.start()
        return (server, addresses, logs)
    }

    @Test func runsASessionAndClosesTheConnectionAfterTheHandler() async throws {
        try await onSocketLoop {
            var router = AGIRouter()
            router.register("bench") { channel in
                try await channel.answer()
                try await channel.setVariable("CIBA_STATUS", "VERIFIED")
                try await channel.hangup()
            }
            let (server, addresses, logs) = try makeServer(router)
            let outcome = try await ServerTestClient(script: "bench").run(against: addresses[0])
            #expect(outcome.commands == ["ANSWER", "SET VARIABLE CIBA_STATUS \"VERIFIED\"", "HANGUP"])
            #expect(outcome.closedByServer)
            #expect(await eventually { server.activeSessions == 0 })
            await server.shutdown(drainTimeout: .seconds(1))
            let start = try #require(logs.records(event: "agi.session.start").first)
            #expect(start["session"] != nil)
            #expect(start["uniqueid"]?.hasPrefix("1700000000.") == true)
        }
    }

    @Test func listensOnIPv4AndIPv6AtOnce() async throws {
        try await onSocketLoop {
            var router = AGIRouter()
            router.register("ping") { channel in try await channel.verbose("pong") }
            let (server, addresses, _) = try makeServer(
                router, listen: [loopback, try SocketAddress.parse("[::1]:0")])
            #expect(addresses.count == 2)
            #expect(addresses.allSatisfy { $0.port != 0 })
            for address in addresses {
                let outcome = try await ServerTestClient(script: "ping").run(against: address)
                #expect(outcome.commands == ["VERBOSE \"pong\" 1"])
                #expect(outcome.closedByServer)
            }
            await server.shutdown(drainTimeout: .seconds(1))
        }
    }

    @Test func dualStackListenerAdmitsMappedIPv4PeersByIPv4Blocks() async throws {
        try await onSocketLoop {
            var router = AGIRouter()
            router.register("ping") { channel in try await channel.verbose("pong") }
            let (server, addresses, logs) = try makeServer(
                router, allowed: try AllowList(parsing: ["127.0.0.0/8"]), listen: [try SocketAddress.parse("[::]:0")])
            let ipv4 = try SocketAddress.parse("127.0.0.1:\(addresses[0].port)")
            let outcome = try await ServerTestClient(script: "ping").run(against: ipv4)
            #expect(outcome.commands == ["VERBOSE \"pong\" 1"])
            // ::1 is not in 127.0.0.0/8: refused.
            let ipv6 = try await ServerTestClient(script: "ping").run(against: try SocketAddress.parse("[::1]:\(addresses[0].port)"))
            #expect(ipv6.commands.isEmpty && ipv6.closedByServer)
            #expect(logs.records(event: "agi.client.refused").first?["peer"]?.hasPrefix("[::1]:") == true)
            await server.shutdown(drainTimeout: .seconds(1))
        }
    }

    @Test func sessionsGetDistinctIDsInTheirLogLines() async throws {
        try await onSocketLoop {
            var router = AGIRouter()
            router.register("ping") { channel in try await channel.verbose("pong") }
            let (server, addresses, logs) = try makeServer(router)
            for _ in 0..<3 { _ = try await ServerTestClient(script: "ping").run(against: addresses[0]) }
            #expect(await eventually { server.activeSessions == 0 })
            await server.shutdown(drainTimeout: .seconds(1))
            let ids = logs.records(event: "agi.session.start").compactMap { $0["session"] }
            #expect(ids.count == 3)
            #expect(Set(ids).count == 3)
            let ends = logs.records(event: "agi.session.end").compactMap { $0["session"] }
            #expect(Set(ends) == Set(ids))
        }
    }

    @Test func refusesPeersOutsideTheAllowListBeforeReadingAnything() async throws {
        try await onSocketLoop {
            let probe = HandlerProbe()
            var router = AGIRouter()
            router.register("bench") { _ in probe.hit("bench") }
            // An hour's environment timeout: a close within the client's 60 s can only be the refusal.
            let (server, addresses, logs) = try makeServer(router, allowed: try AllowList(parsing: ["10.0.0.0/8"]),
                                                           limits: AGISessionLimits(environmentTimeout: .seconds(3600)))
            // A client that sends nothing: the server closes without waiting for a byte.
            let silent = try await ServerTestClient(script: "bench", sendEnvironment: false, deadline: .seconds(60))
                .run(against: addresses[0])
            #expect(silent.closedByServer)
            #expect(silent.commands.isEmpty)
            // A client that sends its environment gets no command either.
            let talkative = try await ServerTestClient(script: "bench").run(against: addresses[0])
            #expect(talkative.closedByServer)
            #expect(talkative.commands.isEmpty)
            #expect(probe.count("bench") == 0)
            let refused = logs.records(event: "agi.client.refused")
            #expect(refused.count == 2)
            #expect(refused.allSatisfy { $0["peer"]?.hasPrefix("127.0.0.1:") == true && $0["reason"] == "not_allowed" })
            #expect(logs.records(event: "agi.session.start").isEmpty)
            #expect(server.activeSessions == 0)
            await server.shutdown(drainTimeout: .seconds(1))
        }
    }

    @Test func refusesSessionsBeyondTheCap() async throws {
        try await onSocketLoop {
            let probe = HandlerProbe()
            var router = AGIRouter()
            // The held session waits for a release signal (not a client deadline), then speaks once.
            let (release, releaseGate) = AsyncStream<Void>.makeStream()
            router.register("hold") { channel in
                probe.hit("hold")
                for await _ in release { break }
                try await channel.verbose("released")
            }
            let (server, addresses, logs) = try makeServer(router, maxSessions: 1,
                                                           limits: AGISessionLimits(environmentTimeout: .seconds(3600)))
            let holder = Task(executorPreference: SocketLoopExecutor.shared) { try await ServerTestClient(script: "hold", deadline: .seconds(60)).run(against: addresses[0]) }
            #expect(await eventually { probe.count("hold") == 1 })
            #expect(server.activeSessions == 1)
            let extra = try await ServerTestClient(script: "hold", deadline: .seconds(60)).run(against: addresses[0])
            #expect(extra.closedByServer)
            #expect(extra.commands.isEmpty)
            #expect(probe.count("hold") == 1)
            let refused = try #require(logs.records(event: "agi.session.refused").first)
            #expect(refused["reason"] == "max_sessions")
            // The held call is untouched by the refusal: released, it runs its command and ends.
            releaseGate.yield()
            let held = try await holder.value
            #expect(held.commands == ["VERBOSE \"released\" 1"])
            #expect(held.closedByServer)
            #expect(await eventually { server.activeSessions == 0 })
            await server.shutdown(drainTimeout: .seconds(1))
        }
    }

    @Test func shutdownDrainsAFinishingSessionAndForceClosesAStuckOne() async throws {
        try await onSocketLoop {
            let probe = HandlerProbe()
            // The finishing session's last command waits until the drain has begun (a readiness
            // signal, not a sleep), so it finishes during the drain however loaded the machine is.
            let (drainBegan, openGate) = AsyncStream<Void>.makeStream()
            var router = AGIRouter()
            router.register("finishing") { channel in
                probe.hit("finishing")
                try await channel.answer()
                for await _ in drainBegan { break }
                try await channel.verbose("done")
                probe.hit("finished")
            }
            router.register("stuck") { channel in
                probe.hit("stuck")
                _ = try await channel.waitForDigit(timeout: nil)  // the client never answers
            }
            // A held port: the end checks nothing accepts there any more, and a freed port could
            // meanwhile be given to another test's listener.
            let reserved = try ReservedPort()
            defer { reserved.release() }
            let (server, addresses, logs) = try makeServer(router, listen: [reserved.address])
            let finishing = Task(executorPreference: SocketLoopExecutor.shared) { try await ServerTestClient(script: "finishing").run(against: addresses[0]) }
            let stuck = Task(executorPreference: SocketLoopExecutor.shared) {
                try await ServerTestClient(script: "stuck", unansweredPrefixes: ["WAIT FOR DIGIT"]).run(against: addresses[0])
            }
            #expect(await eventually(timeout: .seconds(30)) { probe.count("finishing") == 1 && probe.count("stuck") == 1 })
            let drainTimeout = Duration.seconds(2)
            let started = ContinuousClock.now
            let shutdown = Task(executorPreference: SocketLoopExecutor.shared) { await server.shutdown(drainTimeout: drainTimeout) }
            #expect(await eventually(timeout: .seconds(30)) { !logs.records(event: "agi.server.draining").isEmpty })
            openGate.yield()
            await shutdown.value
            let took = ContinuousClock.now - started
            #expect(server.activeSessions == 0)
            #expect(took >= drainTimeout)  // the stuck session kept the drain open to its end
            #expect(took < .seconds(30))   // bounded, not hanging
            let finished = try await finishing.value
            #expect(finished.commands == ["ANSWER", "VERBOSE \"done\" 1"])
            #expect(probe.count("finished") == 1)
            let forced = try await stuck.value
            #expect(forced.closedByServer)
            #expect(logs.records(event: "agi.server.force_close").first?["sessions"] == "1")
            // No longer accepting.
            await #expect(throws: SocketError.self) {
                try await TCPConnection.connect(to: addresses[0], timeout: .seconds(2))
            }
        }
    }

    @Test func shutdownWithoutSessionsReturnsAtOnce() async throws {
        try await onSocketLoop {
            let (server, _, _) = try makeServer(AGIRouter())
            let started = ContinuousClock.now
            await server.shutdown(drainTimeout: .seconds(30))
            #expect(ContinuousClock.now - started < .seconds(1))
        }
    }

    @Test func silentClientIsClosedAfterTheEnvironmentTimeoutWhileAnotherSessionCompletes() async throws {
        try await onSocketLoop {
            var router = AGIRouter()
            router.register("bench") { channel in
                try await channel.answer()
                try await Task.sleep(for: .milliseconds(600))  // outlives the silent client's timeout
                try await channel.setVariable("CIBA_STATUS", "VERIFIED")
            }
            let limits = AGISessionLimits(environmentTimeout: .milliseconds(300))
            let (server, addresses, logs) = try makeServer(router, limits: limits)
            async let silentOutcome = ServerTestClient(script: "bench", sendEnvironment: false, deadline: .seconds(60))
                .run(against: addresses[0])
            async let normalOutcome = ServerTestClient(script: "bench", deadline: .seconds(60)).run(against: addresses[0])
            let (silent, normal) = try await (silentOutcome, normalOutcome)
            // Closed by the server's 300 ms timeout (the client would wait 60 s).
            #expect(silent.closedByServer)
            #expect(silent.elapsed >= .milliseconds(250))
            #expect(normal.commands == ["ANSWER", "SET VARIABLE CIBA_STATUS \"VERIFIED\""])
            #expect(normal.closedByServer)
            #expect(await eventually { server.activeSessions == 0 })
            #expect(logs.records(event: "agi.session.error").contains { $0["error"] == "timedOut" })
            await server.shutdown(drainTimeout: .seconds(1))
        }
    }

    @Test func aFailingSessionDoesNotAffectAnother() async throws {
        try await onSocketLoop {
            struct Boom: Error {}
            var router = AGIRouter()
            router.register("boom") { channel in
                try await channel.answer()
                throw Boom()
            }
            router.register("fine") { channel in
                try await channel.answer()
                try await Task.sleep(for: .milliseconds(100))
                try await channel.verbose("still here")
            }
            let (server, addresses, _) = try makeServer(router)
            async let boom = ServerTestClient(script: "boom").run(against: addresses[0])
            async let fine = ServerTestClient(script: "fine").run(against: addresses[0])
            // A client that sends garbage instead of an environment.
            let garbage = Task(executorPreference: SocketLoopExecutor.shared) {
                let connection = try await TCPConnection.connect(to: addresses[0])
                defer { connection.close() }
                try await connection.write([UInt8](repeating: 0x41, count: 20_000) + [0xFF, 0x0A])
                return try await connection.read(timeout: .seconds(5))
            }
            let (b, f) = try await (boom, fine)
            #expect(b.commands == ["ANSWER"])
            #expect(b.closedByServer)
            #expect(f.commands == ["ANSWER", "VERBOSE \"still here\" 1"])
            #expect(f.closedByServer)
            _ = await garbage.result  // EOF or reset; either way it ended
            #expect(await eventually { server.activeSessions == 0 })
            await server.shutdown(drainTimeout: .seconds(1))
        }
    }

    @Test func startFailsCleanlyWhenAnAddressIsTaken() async throws {
        try await onSocketLoop {
            let taken = try TCPListener.listen(on: loopback)
            defer { taken.close() }
            let server = FastAGIServer(
                configuration: FastAGIServerConfiguration(listen: [loopback, taken.localAddress]),
                router: AGIRouter(), logger: .disabled)
            #expect(throws: SocketError.self) { try server.start() }
            #expect(server.listenAddresses.isEmpty)
        }
    }
}
