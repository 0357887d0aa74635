import Foundation
import Synchronization
import Testing
import AGITesting
import CIBA
import CIBASimulator
import RESP
import RedisTesting
import Sockets
import StructuredLogging
@testable import CallerAuth

let redisSkipReason: Comment = "no redis-server on PATH (apt-get install redis-server); CI sets CIBA_AGI_REQUIRE_REDIS=1 so this cannot be skipped there"

/// A wall clock the test moves by hand (rate-limit windows, retention). It starts at the real
/// time, because the engine stamps records with the real clock.
final class ManualWallClock: Sendable {
    private let current = Mutex(Date())
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var closure: @Sendable () -> Date { { [self] in now } }
}

/// One real Redis, one simulated provider and `count` caller-auth servers sharing the store:
/// the situation of `hagi://` spreading calls over several `ciba-agi`s. Every log line of every
/// server is kept (privacy checks); the clocks are the test's.
final class SharedStateCluster: Sendable {
    let redis: RedisServerProcess
    let provider: SimulatedProvider
    let issuer: URL
    let settings: SharedStateSettings
    let connections: [SharedStateConnection]
    let services: [CallerAuthService]
    let audit = InMemoryAuditSink()
    let logs = InMemoryLogHandler()
    let wallClock = ManualWallClock()
    /// Each server's own fallback window's clock.
    let localClocks: [ManualTime]
    private let nextServer = Mutex(0)

    static let number = "196802020575"
    static let callerID = "+46701234567"

    init(count: Int = 3, rateLimits: RateLimitSettings = RateLimitSettings(perCallerPer10Min: 100, perNumberPer10Min: 3),
         failureMode: SharedStateFailureMode = .local) async throws {
        redis = try await RedisServerProcess.start()
        var simulator = SimulatorConfiguration.demo
        simulator.interval = 1
        provider = SimulatedProvider(configuration: simulator)
        issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0"))
        var configuration = try SimulatedSetup.configuration(issuer: issuer, opsListen: false, rateLimits: rateLimits)
        configuration.provider.requestTimeoutSeconds = 5
        settings = SharedStateSettings(endpoint: redis.endpoint, keyPrefix: "test:", timeout: .seconds(30),
                                       keySecret: Array("a test key secret of 32 bytes...".utf8), failureMode: failureMode)
        configuration.sharedState = settings
        let logger = Logger(handler: logs, level: .debug)
        var timing = FlowTiming()
        timing.digitTimeout = .seconds(30)
        var connections: [SharedStateConnection] = []
        var services: [CallerAuthService] = []
        var clocks: [ManualTime] = []
        for index in 0..<count {
            let localClock = ManualTime()
            let serverLogger = logger.with("instance", String(index))
            // No pause before reconnecting the pool: a restarted store is used by the very next
            // command (deterministic "limits resume"); the subscription retries every few ms.
            let connection = try SharedStateConnection(
                settings: settings, rateLimits: rateLimits, retentionMinutes: configuration.verificationRetentionMinutes,
                logger: serverLogger, serverID: "server-\(index)", now: wallClock.closure, localNow: { localClock.now },
                backoff: ReconnectBackoff(initial: .zero, maximum: .zero, jitter: 0),
                subscriberBackoff: ReconnectBackoff(initial: .milliseconds(5), maximum: .milliseconds(20), jitter: 0))
            connection.start()
            let authenticator = try BackchannelAuthenticator(settings: configuration.provider.settings, clock: ContinuousClock(),
                                                             logger: serverLogger)
            services.append(CallerAuthService(configuration: configuration, authenticator: authenticator, audit: audit,
                                              metrics: MetricsRegistry(), logger: serverLogger, timing: timing,
                                              rateLimits: connection.rateLimits, verificationStore: connection.verifications))
            connections.append(connection)
            clocks.append(localClock)
        }
        self.connections = connections
        self.services = services
        self.localClocks = clocks
    }

    /// Waits (bounded) until every server's subscription is active.
    func waitUntilSubscribed() async throws {
        for (index, connection) in connections.enumerated() {
            let ok = await connection.verifications.waitUntilSubscribed(timeout: .seconds(30))
            try #require(ok, "server \(index) did not subscribe within 30 s")
        }
    }

    /// One call on server `index` (round robin when nil) with a preset number (no DTMF timing).
    func call(on index: Int? = nil, number: String = SharedStateCluster.number, callerID: String = SharedStateCluster.callerID,
              linkedID: String? = nil) async throws -> (server: Int, transcript: CallTranscript) {
        let server = index ?? nextServer.withLock { n in defer { n += 1 }; return n % services.count }
        let fake = FakeCall(script: "caller-auth", arguments: ["se-bankid"],
                            environment: ["agi_callerid": callerID, "agi_language": "sv"],
                            variables: ["CIBA_ID_NUMBER": number], timeScale: 0.2, linkedID: linkedID)
        let transcript = try await FakeAsterisk(call: fake).place(through: services[server].makeRouter(),
                                                                 logger: Logger(handler: logs, level: .debug), timeout: .seconds(60))
        return (server, transcript)
    }

    var authorizeRequests: Int { provider.requests.filter { $0.endpoint == .backchannel }.count }

    /// A client of the test's own on the store (dumps, raw commands).
    func rawClient() -> RedisClient {
        RedisClient(configuration: RedisClientConfiguration(endpoint: redis.endpoint, timeout: .seconds(30), connectTimeout: .seconds(30),
                                                            poolSize: 1, backoff: ReconnectBackoff(initial: .zero, maximum: .zero, jitter: 0)))
    }

    func shutdown() async {
        for connection in connections { await connection.shutdown() }
        await provider.shutdown()
        await redis.stop()
    }
}

/// Runs `body` with a cluster, shutting it down (awaited) whatever happens.
func withCluster(count: Int = 3, rateLimits: RateLimitSettings = RateLimitSettings(perCallerPer10Min: 100, perNumberPer10Min: 3),
                 failureMode: SharedStateFailureMode = .local, _ body: (SharedStateCluster) async throws -> Void) async throws {
    let cluster = try await SharedStateCluster(count: count, rateLimits: rateLimits, failureMode: failureMode)
    do {
        try await body(cluster)
    } catch {
        await cluster.shutdown()
        throw error
    }
    await cluster.shutdown()
}

/// Every key and every value in the store, as text: SCAN, then by TYPE (GET, ZRANGE, HGETALL,
/// LRANGE, SMEMBERS). For the privacy scan.
func dumpStore(_ client: RedisClient) async throws -> [(key: String, type: String, value: String)] {
    var cursor = "0"
    var keys: [String] = []
    repeat {
        let reply = try await client.execute("SCAN", [cursor, "COUNT", "1000"])
        let parts = try #require(reply.elements)
        cursor = try #require(parts[0].string)
        keys += (parts[1].elements ?? []).compactMap(\.string)
    } while cursor != "0"
    var dump: [(String, String, String)] = []
    for key in keys.sorted() {
        let type = try #require(try await client.execute("TYPE", [key]).string)
        let value: RESPValue
        switch type {
        case "string": value = try await client.execute("GET", [key])
        case "zset": value = try await client.execute("ZRANGE", [key, "0", "-1", "WITHSCORES"])
        case "hash": value = try await client.execute("HGETALL", [key])
        case "list": value = try await client.execute("LRANGE", [key, "0", "-1"])
        case "set": value = try await client.execute("SMEMBERS", [key])
        default: value = .simpleString("<\(type)>")
        }
        dump.append((key, type, flatten(value)))
    }
    return dump
}

private func flatten(_ value: RESPValue) -> String {
    if let text = value.string { return text }
    if let items = value.elements { return items.map(flatten).joined(separator: " ") }
    if case .integer(let n) = value { return String(n) }
    return value.typeName
}

/// The forms a personal number or caller id could be written in.
func clearForms(number: String, callerID: String) -> [String] {
    let digits = callerID.filter(\.isNumber)
    return [number, String(number.dropFirst(2)), number.prefix(8) + "-" + number.suffix(4), callerID, digits, String(digits.dropFirst(2))]
}
