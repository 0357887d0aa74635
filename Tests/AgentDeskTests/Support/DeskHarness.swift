import AGITesting
import Foundation
import HTTPServer
import JOSE
import Sockets
import StructuredLogging
import Synchronization
import Testing
import CIBA
import CIBASimulator
@testable import AgentDesk
@testable import CallerAuth

/// A wall clock the test moves by hand (sessions, lockouts).
final class ManualClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var closure: @Sendable () -> Date { { [self] in now } }
}

/// The agents used by the tests. Their hashes (600,000 PBKDF2-HMAC-SHA256 iterations) were made
/// once with Python's `hashlib.pbkdf2_hmac` and are kept as text: deriving them at test time
/// would hold a thread of the cooperative pool (two threads on 2 cores) for seconds under load
/// and starve every other test. `PasswordAndAgentsFileTests` checks ours derive the same.
enum TestAgents {
    static let alicePassword = "correct horse battery staple"
    static let bobPassword = "another long password"
    static let aliceEncoded = "pbkdf2-sha256$600000$YWxpY2UtdGVzdC1zYWx0IQ$4mH45xrZAr5nu_C9gqBjpvpW2FhduENGattxMuzPdX0"
    static let bobEncoded = "pbkdf2-sha256$600000$Ym9iLXRlc3Qtc2FsdC0xNg$zvJSLT6uWXqIbz70fc8VpBhGfE-vg0Odv7yHnFPmd24"
    static let alice: PasswordHash = PasswordHash(parsing: aliceEncoded)!
    static let bob: PasswordHash = PasswordHash(parsing: bobEncoded)!
}

/// A simulated provider, the caller-auth service (its engine) and the agent desk service,
/// with every log line, audit record and answer kept for the privacy checks.
final class DeskHarness: Sendable {
    let provider: SimulatedProvider
    let callerAuth: CallerAuthService
    let desk: AgentDeskService
    let audit = InMemoryAuditSink()
    let logs = InMemoryLogHandler()
    let clock = ManualClock()
    let directory: String
    let agentsFile: String
    let answers = Mutex<[String]>([])

    /// - Parameter shared: the rate-limit and verification stores of a shared store (several desks, one truth); nil: in memory.
    init(rateLimits: RateLimitSettings = RateLimitSettings(perCallerPer10Min: 100, perNumberPer10Min: 100), tls: Bool = false,
         shared: (rateLimits: any RateLimitStore, verifications: any VerificationStore)? = nil) async throws {
        var simulator = SimulatorConfiguration.demo
        simulator.interval = 1
        simulator.signingKey = try SharedProviderKey.require()
        provider = SimulatedProvider(configuration: simulator)
        let issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0"))
        var configuration = try SimulatedSetup.configuration(issuer: issuer, opsListen: false, rateLimits: rateLimits)
        configuration.provider.requestTimeoutSeconds = 60  // a failure bound only
        let logger = Logger(handler: logs, level: .debug)
        let authenticator = try BackchannelAuthenticator(settings: configuration.provider.settings, clock: ContinuousClock(), logger: logger)
        // A generous GET DATA timeout: the fake caller types after a fixed (scaled) delay, and a
        // loaded machine must not turn that into a timeout (INVALID) instead of the digits.
        var timing = FlowTiming()
        timing.digitTimeout = .seconds(30)
        callerAuth = CallerAuthService(configuration: configuration, authenticator: authenticator, audit: audit,
                                       metrics: MetricsRegistry(), logger: logger, timing: timing,
                                       rateLimits: shared?.rateLimits, verificationStore: shared?.verifications)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        agentsFile = directory + "/agents"
        var file = AgentsFile()
        file.agents["alice"] = TestAgents.alice
        file.agents["bob"] = TestAgents.bob
        try file.write(path: agentsFile)
        let agents = try AgentDirectory(path: agentsFile, logger: logger)
        desk = AgentDeskService(
            engine: callerAuth.engine, profiles: configuration.profiles, audit: audit, directory: agents,
            page: try AgentPage(directory: AgentPage.sourceDirectory), tls: tls, logger: logger,
            sessions: SessionStore(now: clock.closure), throttle: LoginThrottle(now: clock.closure), now: { Date() })
        await desk.events.start()
    }

    func shutdown() async {
        await desk.shutdown()
        await provider.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Sends one request to the desk's handler (no socket) and keeps the answer's text.
    func send(_ method: String, _ path: String, json: String? = nil, cookie: String? = nil, csrf: String? = nil,
              bearer: String? = nil, headers: [(String, String)] = [], remote: String = "192.0.2.10:50000") async -> HTTPResponse {
        var all = headers + [("Host", "desk.example:8443")]
        if json != nil { all.append(("Content-Type", "application/json")) }
        if let cookie { all.append(("Cookie", cookie)) }
        if let csrf { all.append(("X-CSRF-Token", csrf)) }
        if let bearer { all.append(("Authorization", "Bearer \(bearer)")) }
        let (pathOnly, query) = Self.split(path)
        let request = HTTPRequest(method: method, path: pathOnly, query: query, headers: all, body: Array((json ?? "").utf8),
                                  remoteAddress: remote)
        let response = await desk.handle(request)
        let text = response.headers.map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n" + String(decoding: response.body, as: UTF8.self)
        answers.withLock { $0.append(text) }
        return response
    }

    private static func split(_ path: String) -> (String, [String: String]) {
        guard let mark = path.firstIndex(of: "?") else { return (path, [:]) }
        var query: [String: String] = [:]
        for pair in path[path.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            query[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return (String(path[..<mark]), query)
    }

    struct Login {
        var cookie: String
        var csrf: String
    }

    /// Logs in and returns the `Cookie` header value and the CSRF token.
    func login(_ name: String = "alice", _ password: String = TestAgents.alicePassword) async throws -> Login {
        let response = await send("POST", "/api/v1/login", json: #"{"name":"\#(name)","password":"\#(password)"}"#)
        try #require(response.status == 200, "login: \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        let cookie = try #require(response.header("Set-Cookie")?.split(separator: ";").first.map(String.init))
        let body = try #require(try JSONValue.parse(response.body).objectValue)
        return Login(cookie: cookie, csrf: try #require(body["csrfToken"]?.stringValue))
    }

    /// Starts a verification as `login` and returns the 201 answer's JSON.
    func startVerification(_ login: Login, number: String, profile: String, uniqueid: String? = nil) async throws -> [String: JSONValue] {
        let extra = uniqueid.map { #","uniqueid":"\#($0)""# } ?? ""
        let response = await send("POST", "/api/v1/verifications", json: #"{"number":"\#(number)","profile":"\#(profile)"\#(extra)}"#,
                                  cookie: login.cookie, csrf: login.csrf)
        try #require(response.status == 201, "start: \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        return try #require(try JSONValue.parse(response.body).objectValue)
    }

    /// Everything the desk said: answers, log lines, audit lines.
    var everythingSaid: String {
        answers.withLock { $0.joined(separator: "\n") } + "\n" + logs.lines.joined(separator: "\n") + "\n"
            + audit.records.map(\.jsonLine).joined(separator: "\n")
    }
}

func json(_ response: HTTPResponse) -> [String: JSONValue] {
    (try? JSONValue.parse(response.body).objectValue) ?? [:]
}

/// One provider signing key for every simulated provider of the test process (a fresh RSA
/// key per test would cost the cooperative pool 50–500 ms of CPU each time).
enum SharedProviderKey {
    private static let key = Result { try PrivateKey.generateRSA() }

    static func require() throws -> PrivateKey { try key.get() }
}
