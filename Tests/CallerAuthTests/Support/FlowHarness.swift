import Foundation
import Testing
import AGI
import AGITesting
import CIBA
import CIBASimulator
import JOSE
import Sockets
import StructuredLogging
@testable import CallerAuth

/// One simulated provider plus one `caller-auth` service, for end-to-end calls placed
/// in memory through the fake Asterisk. Every call's audit record and log lines are kept.
final class FlowHarness: Sendable {
    let provider: SimulatedProvider
    let issuer: URL
    let service: CallerAuthService
    let audit = InMemoryAuditSink()
    let logs = InMemoryLogHandler()

    /// The result of one call.
    struct Call {
        var transcript: CallTranscript
        var audit: AuditRecord?
        var variables: [String: String] { transcript.variables }
        var commands: [String] { transcript.commands }
    }

    init(simulator: SimulatorConfiguration = FlowHarness.fastSimulator(), rateLimits: RateLimitSettings = RateLimitSettings(),
         maxAttempts: Int = 3, stopProviderFirst: Bool = false, profiles: [String: Profile]? = nil,
         transport: (@Sendable (any HTTPTransport) -> any HTTPTransport)? = nil, digitTimeout: Duration = .seconds(5),
         logCallerID: Bool = false, requestTimeoutSeconds: Int = 60) async throws {
        var simulator = simulator
        if simulator.signingKey == nil { simulator.signingKey = try SharedProviderKey.require() }
        provider = SimulatedProvider(configuration: simulator)
        issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0"))
        if stopProviderFirst { await provider.shutdown() }
        var configuration = try SimulatedSetup.configuration(issuer: issuer, opsListen: false, rateLimits: rateLimits,
                                                             maxAttempts: maxAttempts)
        configuration.provider.requestTimeoutSeconds = requestTimeoutSeconds  // default: a failure bound only
        if let profiles { configuration.profiles = profiles }
        configuration.logCallerID = logCallerID
        let logger = Logger(handler: logs, level: .debug)
        let real = try CurlTransport()
        let authenticator = BackchannelAuthenticator(settings: configuration.provider.settings, transport: transport?(real) ?? real,
                                                     clock: ContinuousClock(), logger: logger)
        var timing = FlowTiming()
        timing.digitTimeout = digitTimeout
        service = CallerAuthService(configuration: configuration, authenticator: authenticator, audit: audit,
                                    metrics: MetricsRegistry(), logger: logger, timing: timing)
    }

    static func fastSimulator(expiresIn: Int? = nil, persons: [SimulatedPerson] = SimulatedPerson.catalog) -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration.demo
        configuration.interval = 1
        configuration.expiresIn = expiresIn
        configuration.persons = persons
        return configuration
    }

    /// Places a call: `digits` typed `typeAt` (call time) after the first GET DATA starts,
    /// optional hang-up, all waits scaled.
    ///
    /// Digits pressed while no digit-reading command runs are lost (as in Asterisk), so they
    /// are tied to the GET DATA that reads them: a slow machine cannot make the caller type
    /// before the server asks.
    func call(profile: String? = "se-bankid", options: String? = nil, digits: String? = nil, typeAt: Duration = .seconds(1),
              keypresses extra: [FakeKeypress] = [], hangupAt: Duration? = nil, variables: [String: String] = [:],
              callerID: String = "+46701234567", language: String = "sv", script: String = "caller-auth",
              answered: Bool = true, timeScale: Double = 0.2, linkedID: String? = nil,
              limits: AGISessionLimits = AGISessionLimits(),
              clock: any AGIDeadlineClock = SocketLoopDeadlineClock()) async throws -> Call {
        var arguments: [String] = []
        if let profile { arguments.append(profile) }
        if let options { if arguments.isEmpty { arguments.append("") }; arguments.append(options) }
        var keypresses = extra
        if let digits { keypresses.insert(FakeKeypress(at: typeAt, digits: digits, gap: .milliseconds(100), afterCommand: "GET DATA"), at: 0) }
        let fake = FakeCall(script: script, arguments: arguments,
                            environment: ["agi_callerid": callerID, "agi_language": language],
                            variables: variables, answered: answered, keypresses: keypresses, hangupAt: hangupAt,
                            timeScale: timeScale, linkedID: linkedID)
        let before = audit.records.count
        let transcript = try await FakeAsterisk(call: fake).place(through: service.makeRouter(), limits: limits, clock: clock,
                                                                 logger: Logger(handler: logs, level: .debug),
                                                                 timeout: .seconds(300))  // a failure bound only
        let records = audit.records
        return Call(transcript: transcript, audit: records.count > before ? records[before] : nil)
    }

    func shutdown() async { await provider.shutdown() }

    /// Token requests the provider has seen so far.
    var tokenRequests: [SimulatedRequest] { provider.requests.filter { $0.endpoint == .token } }
    var authorizeRequests: [SimulatedRequest] { provider.requests.filter { $0.endpoint == .backchannel } }
}

/// Checks EVERY `CIBA_*` channel variable: exactly the expected names, with the expected values.
/// `CIBA_TXN` must be a UUID and equal the audit record's `txn`.
func expectVariables(_ call: FlowHarness.Call, _ expected: [String: String], sourceLocation: SourceLocation = #_sourceLocation) {
    var actual = call.variables.filter { $0.key.hasPrefix("CIBA_") }
    let txn = actual.removeValue(forKey: "CIBA_TXN")
    #expect(txn.flatMap { UUID(uuidString: $0) } != nil, "CIBA_TXN is a UUID", sourceLocation: sourceLocation)
    #expect(txn == call.audit?.txn, "CIBA_TXN matches the audit record", sourceLocation: sourceLocation)
    #expect(actual == expected, sourceLocation: sourceLocation)
}

/// The identity variables emptied on every non-VERIFIED outcome.
func emptyIdentity(status: String, error: String, binding: String = "") -> [String: String] {
    var variables: [String: String] = [:]
    for name in IdentityVariable.all { variables[name] = "" }
    variables["CIBA_STATUS"] = status
    variables["CIBA_ERROR"] = error
    variables["CIBA_BINDING_MESSAGE"] = binding
    return variables
}

/// Checks the audit record's fields for a call.
func expectAudit(_ call: FlowHarness.Call, status: String, error: String, numberMasked: String, profile: String = "se-bankid",
                 sub: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    guard let record = call.audit else {
        Issue.record("no audit record", sourceLocation: sourceLocation)
        return
    }
    #expect(record.status == status, sourceLocation: sourceLocation)
    #expect(record.error == error, sourceLocation: sourceLocation)
    #expect(record.numberMasked == numberMasked, sourceLocation: sourceLocation)
    #expect(record.profile == profile, sourceLocation: sourceLocation)
    #expect(record.sub == sub, sourceLocation: sourceLocation)
    // Masked like numbers (logCallerId is false by default).
    #expect(record.callerID == "+46701******", sourceLocation: sourceLocation)
    #expect(record.initiator == "ivr", sourceLocation: sourceLocation)
    #expect(record.channel.hasPrefix("PJSIP/") || !record.channel.isEmpty, sourceLocation: sourceLocation)
    #expect(!record.uniqueID.isEmpty, sourceLocation: sourceLocation)
    #expect(record.durationMs >= 0, sourceLocation: sourceLocation)
    // The JSON line parses and has every contract key.
    let object = (try? JSONSerialization.jsonObject(with: Data(record.jsonLine.utf8))) as? [String: Any]
    #expect(Set(object?.keys.map { $0 } ?? []) == ["time", "txn", "uniqueid", "channel", "callerid", "profile", "initiator", "status",
                                                   "error", "numberMasked", "sub", "polls", "durationMs"],
            sourceLocation: sourceLocation)
}

/// Forwards to a real transport but answers token requests `delay` late; a request whose
/// timeout is shorter than that times out instead (like a slow provider).
struct SlowTokenTransport: HTTPTransport {
    let inner: any HTTPTransport
    let delay: Duration

    func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        guard request.url.path.hasSuffix("/token") else { return try await inner.send(request) }
        if request.timeout < delay {
            try await Task.sleep(for: request.timeout)
            throw HTTPTransportError(.timedOut, "no answer within the timeout")
        }
        let response = try await inner.send(request)
        try await Task.sleep(for: delay)
        return response
    }
}

/// One provider signing key for every simulated provider of the test process.
///
/// A fresh RSA-2048 key per simulator costs 50–500 ms of CPU on a thread of the cooperative
/// pool (two on 2 cores); made for each of the many flow tests, it starved the whole suite.
enum SharedProviderKey {
    private static let key = Result { try PrivateKey.generateRSA() }

    static func require() throws -> PrivateKey { try key.get() }
}
