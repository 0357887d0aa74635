import AGITesting
import NetworkTesting
import Sockets
import StructuredLogging
import Testing
@testable import AMI

/// The AMI client against the fake manager port, over real loopback TCP.
@Suite("AMI client")
struct AMIClientTests {
    static let secret = "amiSecret-7f3a9c"

    static func configuration(_ server: FakeAMIServer, secret: String = AMIClientTests.secret) -> AMIClientConfiguration {
        var configuration = AMIClientConfiguration(address: server.address, username: "ciba-agi", secret: AMISecret(secret))
        configuration.reconnect = AMIReconnectPolicy(initial: .milliseconds(5), maximum: .milliseconds(40))
        configuration.actionTimeout = .seconds(60)  // failure bounds only (a slow login must not cause a reconnect)
        configuration.connectTimeout = .seconds(60)
        return configuration
    }

    static func server(channels: [FakeAMIChannel] = []) throws -> FakeAMIServer {
        try FakeAMIServer(settings: .init(users: ["ciba-agi": secret], channelVariables: ["CIBA_TXN"]), channels: channels)
    }

    /// Waits (bounded) until the client reports a state matching `predicate`.
    static func waitFor(_ client: AMIClient, _ predicate: (AMIClient.State) -> Bool) async -> AMIClient.State? {
        for await state in client.states() where predicate(state) { return state }
        return nil
    }

    @Test func logsInAndReceivesHangupEventsWithLinkedID() async throws {
        let caller = FakeAMIChannel(name: "PJSIP/trunk-00000001", uniqueID: "1733212345.1", variables: ["CIBA_TXN": "t-1"])
        let server = try Self.server(channels: [caller])
        defer { server.stop() }
        let client = AMIClient(configuration: Self.configuration(server), logger: .disabled)
        let events = client.events()
        client.start()
        let connected = await Self.waitFor(client) { $0.isConnected }
        #expect(connected == .connected(version: "11.0.0"))
        let login = server.snapshot.actions(named: "Login").first
        #expect(login?["Username"] == "ciba-agi")
        #expect(login?["Events"] == "call,user")
        #expect(login?["ActionID"] != nil)

        await server.hangup(channel: caller.name)
        var hangup: AMIMessage?
        for await event in events where event.eventName == "Hangup" {
            hangup = event
            break
        }
        #expect(hangup?["Uniqueid"] == "1733212345.1")
        #expect(hangup?["Linkedid"] == "1733212345.1")
        #expect(hangup?["Cause"] == "16")
        #expect(hangup?["Cause-txt"] == "Normal Clearing")
        #expect(hangup?.channelVariables["CIBA_TXN"] == "t-1")
        await client.stop()
        #expect(server.snapshot.actions(named: "Logoff").first?.response == "Goodbye")
    }

    @Test func setvarAndUserEvent() async throws {
        let caller = FakeAMIChannel(name: "PJSIP/trunk-00000002", uniqueID: "1733212345.3")
        let server = try Self.server(channels: [caller])
        defer { server.stop() }
        let client = AMIClient(configuration: Self.configuration(server), logger: .disabled)
        client.start()
        _ = await Self.waitFor(client) { $0.isConnected }

        try await client.setVariable(channel: caller.name, name: "__CIBA_STATUS", value: "VERIFIED")
        #expect(server.channel(named: caller.name)?.variable("CIBA_STATUS") == "VERIFIED")
        let setvar = server.snapshot.actions(named: "Setvar").first
        #expect(setvar?.response == "Success")
        #expect(setvar?.message == "Variable Set")

        await #expect(throws: AMIError(.actionFailed, "No such channel")) {
            try await client.setVariable(channel: "PJSIP/gone-00000009", name: "X", value: "1")
        }

        try await client.userEvent("CibaVerification", [("Status", "VERIFIED"), ("Uniqueid", caller.uniqueID)])
        let broadcast = await server.waitUntil { $0.events.contains { $0.name == "UserEvent" } }
        #expect(broadcast)
        let event = server.snapshot.events.first { $0.name == "UserEvent" }
        #expect(event?.headers.first?.0 == "UserEvent")
        #expect(event?.headers.first?.1 == "CibaVerification")
        #expect(event?.headers.contains { $0.0 == "Status" && $0.1 == "VERIFIED" } == true)
        await client.stop()
    }

    @Test func authenticationFailureIsRetriedWithBackoffAndTheSecretIsNeverLogged() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let logs = InMemoryLogHandler()
        let wrongSecret = "wrong-\(Self.secret)"
        let client = AMIClient(configuration: Self.configuration(server, secret: wrongSecret), logger: Logger(handler: logs, level: .trace))
        client.start()
        let refusedTwice = await server.waitUntil { $0.failedLogins >= 2 }
        #expect(refusedTwice)
        let state = client.state
        if case .waitingToReconnect(_, _, let reason) = state {
            #expect(reason.contains("Authentication failed"))
        } else if case .connecting = state {
        } else {
            Issue.record("unexpected state \(state)")
        }
        await #expect(throws: AMIError.self) { try await client.userEvent("X", []) }
        await client.stop()
        #expect(server.snapshot.logins == 0)
        let lines = logs.records.map(\.formatted).joined(separator: "\n")
        #expect(lines.contains("ami.login_failed"))
        #expect(!lines.contains(wrongSecret))
        #expect(!String(describing: client.configuration).contains(wrongSecret))
    }

    @Test func reconnectsAfterADroppedConnection() async throws {
        let server = try Self.server()
        defer { server.stop() }
        let client = AMIClient(configuration: Self.configuration(server), logger: .disabled)
        client.start()
        _ = await Self.waitFor(client) { $0.isConnected }
        server.dropConnections()
        let again = await server.waitUntil { $0.logins >= 2 && $0.loggedIn == 1 }
        #expect(again)
        _ = await Self.waitFor(client) { $0.isConnected }
        try await client.userEvent("AfterReconnect", [])
        #expect(server.snapshot.actions(named: "UserEvent").last?.connection == 2)
        await client.stop()
    }

    @Test func managerPortDownFailsActionsAtOnce() async throws {
        // A reserved port: nothing listens there, and no other test is given it.
        let reserved = try ReservedPort()
        defer { reserved.release() }
        let address = reserved.address
        var configuration = AMIClientConfiguration(address: address, username: "ciba-agi", secret: AMISecret(Self.secret))
        configuration.reconnect = AMIReconnectPolicy(initial: .milliseconds(5), maximum: .milliseconds(20))
        let client = AMIClient(configuration: configuration, logger: .disabled)
        client.start()
        let waiting = await Self.waitFor(client) { if case .waitingToReconnect(let failures, _, _) = $0 { failures >= 2 } else { false } }
        #expect(waiting != nil)
        await #expect(throws: AMIError.self) { try await client.setVariable(channel: "PJSIP/x-1", name: "A", value: "b") }
        await client.stop()
        #expect(client.state == .stopped)
    }

    @Test func anUnansweredActionTimesOut() async throws {
        var settings = FakeAMIServer.Settings(users: ["ciba-agi": Self.secret])
        settings.silentActions = ["UserEvent"]
        let server = try FakeAMIServer(settings: settings)
        defer { server.stop() }
        var configuration = Self.configuration(server)
        configuration.actionTimeout = .milliseconds(50)
        let client = AMIClient(configuration: configuration, logger: .disabled)
        client.start()
        _ = await Self.waitFor(client) { $0.isConnected }
        do {
            try await client.userEvent("Ignored", [])
            Issue.record("expected a timeout")
        } catch let error as AMIError {
            #expect(error.kind == .timedOut)
        }
        await client.stop()
    }
}
