import Testing
import RedisTesting
import NetworkTesting
import Sockets
@testable import RESP

func clientConfiguration(_ server: RedisServerProcess, password: String?? = nil, database: Int = 0,
                         backoff: ReconnectBackoff = ReconnectBackoff(initial: .zero, maximum: .zero, jitter: 0)) -> RedisClientConfiguration {
    var endpoint = server.endpoint
    if let password { endpoint.password = password }
    endpoint.database = database
    // 60 s: only a failure bound (no test against a real server is about a timeout; those use
    // `client(_:timeout:)` below). 5 s fired first under load and turned WRONGPASS into timedOut.
    return RedisClientConfiguration(endpoint: endpoint, timeout: .seconds(60), connectTimeout: .seconds(60), poolSize: 3, backoff: backoff)
}

/// Runs `body` with a fresh server, stopping (and awaiting) it afterwards whatever happens.
func withRedisServer(_ body: (RedisServerProcess) async throws -> Void) async throws {
    let server = try await RedisServerProcess.start()
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

@Suite("Redis client against a real server", .enabled(if: RedisServerProcess.isAvailable,
       "no redis-server on PATH (apt-get install redis-server); CI sets CIBA_AGI_REQUIRE_REDIS=1 so this cannot be skipped there"))
struct RedisClientTests {
    @Test func commandsPipelinesAndConcurrentCallers() async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: clientConfiguration(server))
            defer { client.shutdown() }
            #expect(try await client.execute("SET", ["greeting", "hej"]) == .simpleString("OK"))
            #expect(try await client.execute("GET", ["greeting"]).string == "hej")
            #expect(try await client.execute("GET", ["missing"]) == .null)
            let replies = try await client.pipeline((0..<100).map { _ in RedisCommand("INCR", ["counter"]) })
            #expect(replies == (1...100).map { RESPValue.integer(Int64($0)) })
            // Many callers at once on three pipelined connections: every reply reaches its caller.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        let value = "value-\(i)-" + String(repeating: "x", count: i * 7)
                        let replies = try await client.pipeline([RedisCommand("SET", ["k\(i)", value]), RedisCommand("GET", ["k\(i)"])])
                        #expect(replies == [.simpleString("OK"), .bulkString(Array(value.utf8))])
                    }
                }
                try await group.waitForAll()
            }
            // An error reply is thrown for one command, a value inside a pipeline.
            await #expect(throws: RedisError.self) { try await client.execute("INCR", ["greeting"]) }
            let mixed = try await client.pipeline([RedisCommand("INCR", ["greeting"]), RedisCommand("PING")])
            guard case .error = mixed[0] else { Issue.record("expected an error reply"); return }
            #expect(mixed[1] == .simpleString("PONG"))
        }
    }

    @Test func wrongOrMissingPasswordIsAnAuthenticationErrorWithoutThePassword() async throws {
        try await withRedisServer { server in
            let wrong = RedisClient(configuration: clientConfiguration(server, password: "not-the-password-x9"))
            defer { wrong.shutdown() }
            do {
                try await wrong.ping()
                Issue.record("wrong password accepted")
            } catch let error as RedisError {
                #expect(error.kind == .authenticationFailed)
                #expect(error.serverCode == "WRONGPASS")
                #expect(!error.description.contains("not-the-password-x9"))
                #expect(!error.description.contains(server.password!))
            }
            let none = RedisClient(configuration: clientConfiguration(server, password: .some(nil)))
            defer { none.shutdown() }
            do {
                try await none.ping()
                Issue.record("missing password accepted")
            } catch let error as RedisError {
                #expect(error.kind == .authenticationFailed)
                #expect(error.serverCode == "NOAUTH")
            }
        }
    }

    @Test func userAndPasswordThroughACL() async throws {
        try await withRedisServer { server in
            let admin = RedisClient(configuration: clientConfiguration(server))
            defer { admin.shutdown() }
            _ = try await admin.execute("ACL", ["SETUSER", "agi", "on", ">agi-secret-7", "~*", "&*", "+@all"])
            var configuration = clientConfiguration(server)
            configuration.endpoint.username = "agi"
            configuration.endpoint.password = "agi-secret-7"
            let user = RedisClient(configuration: configuration)
            defer { user.shutdown() }
            #expect(try await user.execute("ACL", ["WHOAMI"]).string == "agi")
            configuration.endpoint.password = "agi-secret-8"
            let wrong = RedisClient(configuration: configuration)
            defer { wrong.shutdown() }
            await #expect { try await wrong.ping() } throws: { ($0 as? RedisError)?.kind == .authenticationFailed }
        }
    }

    @Test func selectKeepsDatabasesApart() async throws {
        try await withRedisServer { server in
            let db2 = RedisClient(configuration: clientConfiguration(server, database: 2))
            let db0 = RedisClient(configuration: clientConfiguration(server))
            defer { db2.shutdown(); db0.shutdown() }
            _ = try await db2.execute("SET", ["only-in-2", "x"])
            #expect(try await db2.execute("GET", ["only-in-2"]).string == "x")
            #expect(try await db0.execute("GET", ["only-in-2"]) == .null)
        }
    }

    @Test func killedAndRestartedServerReconnects() async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: clientConfiguration(server))
            defer { client.shutdown() }
            try await client.ping()
            await server.kill()
            await #expect { try await client.ping() } throws: { error in
                let kind = (error as? RedisError)?.kind
                return kind == .connectionClosed || kind == .connectionFailed
            }
            try await server.restart()
            // Backoff zero here: the next command connects again.
            try await client.ping()
            #expect(try await client.execute("SET", ["after", "restart"]) == .simpleString("OK"))
        }
    }

    @Test func duringBackoffCommandsFailAtOnce() async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: clientConfiguration(server, backoff: ReconnectBackoff(initial: .seconds(600), maximum: .seconds(600), jitter: 0)))
            defer { client.shutdown() }
            await server.stop()
            // Every slot's first attempt is refused; afterwards each slot is in a 10-minute backoff.
            for _ in 0..<3 {
                await #expect { try await client.ping() } throws: { ($0 as? RedisError)?.kind == .connectionFailed }
            }
            await #expect { try await client.ping() } throws: { error in
                guard let error = error as? RedisError else { return false }
                return error.kind == .unavailable && error.reason.contains("next attempt")
            }
        }
    }

    @Test func publishAndSubscribeSurviveARestart() async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: clientConfiguration(server))
            let subscriber = RedisSubscriber(configuration: clientConfiguration(server), channels: ["events", "other"])
            defer { client.shutdown() }
            subscriber.start()
            var events = subscriber.events.makeAsyncIterator()
            #expect(await events.next() == .subscribed)
            #expect(try await client.execute("PUBLISH", ["events", "one"]) == .integer(1))
            #expect(await events.next() == .message(channel: "events", payload: Array("one".utf8)))

            try await server.restart()
            guard case .disconnected? = await events.next() else { Issue.record("expected a disconnect"); return }
            var next = await events.next()
            while case .disconnected? = next { next = await events.next() }  // attempts while restarting
            #expect(next == .subscribed)
            #expect(try await client.execute("PUBLISH", ["other", "two"]) == .integer(1))
            #expect(await events.next() == .message(channel: "other", payload: Array("two".utf8)))
            await subscriber.stop()
            #expect(await events.next() == nil)
        }
    }
}

/// Servers that misbehave, on loopback listeners of our own.
@Suite("Redis client against broken servers")
struct RedisBrokenServerTests {
    func listener() throws -> TCPListener {
        try TCPListener.listen(on: SocketAddress(ip: .v4(127, 0, 0, 1), port: 0))
    }

    func client(_ listener: TCPListener, timeout: Duration = .milliseconds(200), connectTimeout: Duration = .milliseconds(300)) -> RedisClient {
        RedisClient(configuration: RedisClientConfiguration(
            endpoint: RedisEndpoint(host: "127.0.0.1", port: listener.localAddress.port), timeout: timeout,
            connectTimeout: connectTimeout, poolSize: 1, backoff: ReconnectBackoff(initial: .zero, maximum: .zero, jitter: 0)))
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let listener = try listener()
        defer { listener.close() }
        async let accepted = listener.accept()
        let client = client(listener)
        defer { client.shutdown() }
        await #expect { try await client.ping() } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.kind == .timedOut && error.reason.contains("PING")
        }
        (try await accepted).close()
    }

    @Test func garbageAndOversizedRepliesAreProtocolViolations() async throws {
        for reply in ["HTTP/1.1 400 Bad Request\r\n\r\n", "$999999999999\r\n"] {
            let listener = try listener()
            defer { listener.close() }
            let serve = Task {
                let connection = try await listener.accept()
                _ = try await connection.read(timeout: .seconds(60))
                try await connection.write(Array(reply.utf8))
                _ = try? await connection.read(timeout: .seconds(60))  // until the client closes
                connection.close()
            }
            // Long timeouts: failure bounds only; the garbage must be refused as such, not time out.
            let client = client(listener, timeout: .seconds(60), connectTimeout: .seconds(60))
            await #expect { try await client.ping() } throws: { ($0 as? RedisError)?.kind == .protocolViolation }
            client.shutdown()
            try await serve.value
        }
    }

    @Test func refusedConnectionIsConnectionFailed() async throws {
        let reserved = try ReservedPort()
        defer { reserved.release() }
        let port = reserved.port
        let client = RedisClient(configuration: RedisClientConfiguration(endpoint: RedisEndpoint(host: "127.0.0.1", port: port), poolSize: 1))
        defer { client.shutdown() }
        await #expect { try await client.ping() } throws: { ($0 as? RedisError)?.kind == .connectionFailed }
    }
}
