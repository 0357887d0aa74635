import Foundation
import NetworkTesting
import Sockets
import Testing
@testable import HTTPServer

/// Slow and idle clients, and shutdown with connections open.
@Suite struct ServerTimeoutTests {
    static var fastLimits: HTTPServerLimits {
        var limits = HTTPServerLimits()
        limits.requestTimeout = .milliseconds(400)
        limits.idleTimeout = .milliseconds(600)
        return limits
    }

    @Test func slowClientWithHalfARequestGets408AndIsDropped() async throws {
        try await withServer(limits: Self.fastLimits) { address, server in
            let client = try await RawHTTPClient(address)
            try await client.send("GET /half HTTP/1.1\r\nHost: t\r\nX-Never")  // and then nothing
            // Bounds here are failure bounds only (a loaded 2-core machine can delay anything).
            let response = try #require(try await client.readResponse(timeout: .seconds(120)))
            #expect(response.status == 408)
            #expect(await client.isClosedByServer(within: .seconds(60)))
            // The server lingers briefly after its half-close, then lets the connection go.
            let deadline = ContinuousClock.now + .seconds(60)
            while server.openConnections > 0 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(server.openConnections == 0)
        }
    }

    @Test func tricklingClientCannotExtendTheRequestDeadline() async throws {
        try await withServer(limits: Self.fastLimits) { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send("G")
            let started = ContinuousClock.now
            // One byte every 100 ms would keep a per-read timeout happy forever.
            let connection = client.connection
            let trickle = Task {
                for byte in "ET / HTTP/1.1\r\nHost: t\r\nX-Slow: " + String(repeating: "a", count: 1500) {
                    try await Task.sleep(for: .milliseconds(100))
                    try await connection.write(Array(String(byte).utf8), timeout: .seconds(1))
                }
            }
            defer { trickle.cancel() }
            let response = try #require(try await client.readResponse(timeout: .seconds(120)))
            #expect(response.status == 408)
            // The trickle would take over 150 s; a per-read timeout would not fire before its end.
            #expect(ContinuousClock.now - started < .seconds(100))
        }
    }

    @Test func slowBodyTimesOutToo() async throws {
        try await withServer(limits: Self.fastLimits) { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            let response = try #require(try await client.readResponse(timeout: .seconds(120)))
            #expect(response.status == 408)
        }
    }

    @Test func idleKeepAliveConnectionIsClosedQuietly() async throws {
        try await withServer(limits: Self.fastLimits) { address, _ in
            let client = try await RawHTTPClient(address)
            try await client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try #require(try await client.readResponse()).status == 200)
            // No further request: the server closes after the idle timeout without a 408.
            #expect(await client.isClosedByServer(within: .seconds(60)))
            #expect(client.leftover.isEmpty)
        }
    }

    @Test func shutdownClosesIdleConnectionsAndCancelsHandlers() async throws {
        // A held port: the end checks nothing accepts there any more, and a freed port could
        // meanwhile be given to another test's listener.
        let reserved = try ReservedPort()
        defer { reserved.release() }
        let server = HTTPServer(listen: reserved.address, logger: .disabled, handler: echoHandler)
        let address = try server.start()
        let idle = try await RawHTTPClient(address)
        let busy = try await RawHTTPClient(address)
        try await busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")  // handler sleeps 30 s
        try await idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try #require(try await idle.readResponse()).status == 200)
        try await Task.sleep(for: .milliseconds(100))

        let started = ContinuousClock.now
        await server.shutdown()
        #expect(ContinuousClock.now - started < .seconds(25))  // the busy handler would sleep 30 s
        #expect(await idle.isClosedByServer(within: .seconds(60)))
        #expect(await busy.isClosedByServer(within: .seconds(60)))
        #expect(server.openConnections == 0)
        await #expect(throws: (any Error).self) {
            _ = try await TCPConnection.connect(to: address, timeout: .seconds(1))
        }
    }

    @Test func shutdownDoesNotWaitForeverForAHandlerThatIgnoresCancellation() async throws {
        let handlerStarted = OnceFlag()
        let testDone = OnceFlag()
        let handlerEnded = OnceFlag()
        let server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled) { _ in
            _ = handlerStarted.claim()
            // Ignores cancellation: keeps "working" until the test is over (at most 120 s).
            let end = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < end, !testDone.isClaimed {
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { continuation.resume() }
                }
            }
            _ = handlerEnded.claim()
            return .text("done")
        }
        let address = try server.start()
        let client = try await RawHTTPClient(address)
        try await client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        while !handlerStarted.isClaimed { try await Task.sleep(for: .milliseconds(20)) }
        let started = ContinuousClock.now
        await server.shutdown()
        let waited = ContinuousClock.now - started
        #expect(waited >= .seconds(4))   // the grace period for handlers ...
        #expect(await client.isClosedByServer(within: .seconds(60)))
        #expect(!handlerEnded.isClaimed) // ... and then no longer: the handler is still running
        _ = testDone.claim()
    }

    @Test func bindFailureLeavesTheServerStartable() async throws {
        let first = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled, handler: echoHandler)
        let taken = try first.start()
        let second = HTTPServer(listen: taken, logger: .disabled, handler: echoHandler)
        #expect(throws: SocketError.self) { try second.start() }
        await first.shutdown()
        #expect(throws: Never.self) { try second.start() }  // the port is free again
        await second.shutdown()
    }

    @Test func startTwiceOrAfterShutdownIsRefused() async throws {
        let server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled, handler: echoHandler)
        try server.start()
        #expect(throws: HTTPServerError.self) { try server.start() }
        await server.shutdown()
        #expect(throws: HTTPServerError.self) { try server.start() }
    }
}
