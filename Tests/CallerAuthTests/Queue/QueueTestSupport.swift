import Foundation
import Testing
import AGI
import AGITesting
import AMI
import CIBASimulator
import IdentityNumbers
import NetworkTesting
import Sockets
import StructuredLogging
@testable import CallerAuth

/// Queue-mode calls through the fake Asterisk: a `FlowHarness` (simulated provider +
/// service), optionally a fake manager port with an AMI client attached to the service.
struct QueueFixture {
    static let amiSecret = "ami-Secret-91c4e"
    static let norwegianNumber = SimulatedPerson.norwegianDemoNumber      // Mikkel: word pair, approves
    static let norwegianDenier = "15868540033"                            // Nora: word pair, denies
    static let swedishWaiter = "199002029826"                             // Erik: pending until expiry

    let harness: FlowHarness
    let manager: FakeAMIServer?
    let client: AMIClient?
    /// `.down`: the port the client is pointed at, held until `shutdown()`.
    private(set) var reservedPort: ReservedPort?

    /// - Parameters:
    ///   - ami: `.connected` starts a fake manager port and waits until the client is logged in;
    ///     `.down` points the client at a port nobody listens on; `.off` attaches nothing.
    init(ami: AMIMode = .off, retryOnDenied: Int = 0, secret: String = QueueFixture.amiSecret,
         simulator: SimulatorConfiguration = FlowHarness.fastSimulator()) async throws {
        var profiles = SimulatedSetup.profiles
        profiles["no-bankid"]?.retryOnDenied = retryOnDenied
        harness = try await FlowHarness(simulator: simulator, profiles: profiles)
        switch ami {
        case .off:
            manager = nil
            client = nil
        case .connected, .refusingLogin:
            let server = try FakeAMIServer(settings: .init(users: ["ciba-agi": secret], channelVariables: ["CIBA_TXN", "CIBA_STATUS"]))
            manager = server
            let login = ami == .refusingLogin ? "wrong-\(secret)" : secret
            let client = AMIClient(configuration: Self.clientConfiguration(server.address, secret: login),
                                   logger: Logger(handler: harness.logs, level: .debug))
            self.client = client
            harness.service.queueMode.attach(client)
            client.start()
            if ami == .connected {
                #expect(await Self.waitFor(client) { $0.isConnected } != nil, "the AMI client logs in")
            } else {
                #expect(await server.waitUntil(timeout: .seconds(60)) { $0.failedLogins >= 1 }, "Asterisk refused the login")
            }
        case .down:
            // A reserved port, held as long as this fixture: nothing listens there, and no
            // other test is given it.
            let reserved = try ReservedPort()
            reservedPort = reserved
            let address = reserved.address
            manager = nil
            let client = AMIClient(configuration: Self.clientConfiguration(address, secret: secret),
                                   logger: Logger(handler: harness.logs, level: .debug))
            self.client = client
            harness.service.queueMode.attach(client)
            client.start()
            #expect(await Self.waitFor(client) { if case .waitingToReconnect = $0 { true } else { false } } != nil)
        }
    }

    enum AMIMode { case off, connected, refusingLogin, down }

    static func clientConfiguration(_ address: SocketAddress, secret: String) -> AMIClientConfiguration {
        var configuration = AMIClientConfiguration(address: address, username: "ciba-agi", secret: AMISecret(secret))
        configuration.reconnect = AMIReconnectPolicy(initial: .milliseconds(5), maximum: .milliseconds(40))
        // Failure bounds only: a login slowed by a loaded machine must not cause an extra reconnect.
        configuration.actionTimeout = .seconds(60)
        configuration.connectTimeout = .seconds(60)
        return configuration
    }

    /// The first state matching `predicate` (the client's state stream is the readiness signal).
    static func waitFor(_ client: AMIClient, _ predicate: @escaping (AMIClient.State) -> Bool) async -> AMIClient.State? {
        for await state in client.states() where predicate(state) { return state }
        return nil
    }

    var router: AGIRouter { harness.service.makeRouter() }
    var logger: Logger { Logger(handler: harness.logs, level: .debug) }

    /// A queued call whose caller keys in `number` when asked.
    func queuedCall(_ sequence: Int) -> FakeQueuedCall {
        FakeQueuedCall(sequence: sequence, manager: manager)
    }

    /// `caller-auth-start` for `number` with `profile` (digits typed once GET DATA runs).
    func start(_ call: FakeQueuedCall, number: String, profile: String = "no-bankid") async throws -> CallTranscript {
        try await call.start(through: router, arguments: [profile],
                             keypresses: [FakeKeypress(at: .milliseconds(500), digits: number + "#", gap: .milliseconds(100),
                                                       afterCommand: "GET DATA ciba/enter-id-number")],
                             logger: logger)
    }

    func shutdown() async {
        await client?.stop()
        manager?.stop()
        reservedPort?.release()
        await harness.service.queueMode.shutdown()
        await harness.shutdown()
    }

    /// No full national number anywhere this test can see: AMI actions and events, logs, audit.
    func expectNoFullNumber(_ numbers: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        var texts = harness.logs.lines + harness.audit.records.map(\.jsonLine)
        if let snapshot = manager?.snapshot {
            texts += snapshot.actions.flatMap { $0.headers.map { "\($0.name): \($0.value)" } }
            texts += snapshot.events.flatMap { $0.headers.map { "\($0.0): \($0.1)" } }
        }
        for number in numbers {
            #expect(!texts.contains { $0.contains(number) }, "the full number \(number.prefix(6))... leaked", sourceLocation: sourceLocation)
        }
    }
}

func masked(_ number: String, _ kind: NumberKind) -> String {
    (try? PersonalNumber.parse(number, kind: kind).get())?.masked ?? "?"
}
