import AgentDesk
import CallerAuth
import CIBASimulator
import Foundation
import JOSE
import Sockets
import StructuredLogging

/// `ciba-agi demo --agent [--listen ADDR]`: the simulated provider, the FastAGI server and the
/// agent desk on loopback, with a one-time demo login, until SIGINT/SIGTERM. An agent on a
/// fresh machine opens the printed address and verifies a test person from the page.
enum DemoDeskCommand {
    static func run(_ options: ParsedArguments) async throws -> Int32 {
        let listenText = options.values["listen"] ?? "127.0.0.1:8470"
        guard let listen = try? SocketAddress.parse(listenText), listen.isLoopback else {
            throw UsageError("demo: --listen must be a loopback HOST:PORT (the demo desk has no TLS), e.g. 127.0.0.1:8470")
        }
        let logger = Logger(handler: StderrLogHandler(), level: options.flags.contains("verbose") ? .info : .warning)
        var simulatorConfiguration = SimulatorConfiguration.demo
        simulatorConfiguration.interval = 2
        let provider = SimulatedProvider(configuration: simulatorConfiguration, logger: logger.with("component", "simulator"))
        let issuer: URL
        do { issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0")) } catch {
            throw RuntimeFailure("demo: cannot start the simulated provider: \(error)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ciba-agi-demo-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let password = Base64URL.encode(try SecureRandom.bytes(count: 12))
        let agentsFile = directory + "/agents"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            var file = AgentsFile()
            file.agents["demo"] = try PasswordHash.make(password: password)
            try file.write(path: agentsFile)
        } catch {
            await provider.shutdown()
            throw RuntimeFailure("demo: cannot write the demo agents file: \(error)")
        }
        let server: CallerAuthServer
        let desk: AgentDeskServer
        let deskAddress: SocketAddress
        let agiAddress: SocketAddress
        do {
            var configuration = try SimulatedSetup.configuration(issuer: issuer, opsListen: false)
            configuration.agentDesk = AgentDeskSettings(listen: listen, agentsFile: agentsFile)
            server = try CallerAuthServer(configuration: configuration, logger: logger.with("component", "ciba-agi"))
            agiAddress = try server.start().agi.first ?? listen
            desk = try AgentDeskServer(settings: configuration.agentDesk!, engine: server.service.engine,
                                       profiles: configuration.profiles, audit: server.service.audit, logger: logger)
            deskAddress = try await desk.start()
        } catch {
            await provider.shutdown()
            throw RuntimeFailure("demo: cannot start: \(error)")
        }
        let signals = SignalWaiter()
        print("""
        ciba-agi demo --agent: the agent desk with a simulated provider (SIGINT/Ctrl-C stops it)

          open:      http://\(deskAddress)/
          log in:    demo / \(password)      (one-time login for this run)

          Swedish BankID test person:    \(SimulatedPerson.demoNumber) (Terne Paulsen, approves after 2 polls)
          Norwegian BankID test person:  \(SimulatedPerson.norwegianDemoNumber) (Mikkel CriiptoTest, shows a word pair)
          More outcomes (denied, expired, errors): docs/operations.md

          FastAGI server for IVR calls:  agi://\(agiAddress)/caller-auth
            ciba-agi simulate-call --agi agi://\(agiAddress)/caller-auth --profile no-bankid --dtmf \(SimulatedPerson.norwegianDemoNumber)#
          The API: http://\(deskAddress)/api/openapi.json
        """)
        fflush(nil)
        _ = await signals.wait()
        signals.cancel()
        await desk.shutdown()
        await server.shutdown(drainTimeout: .seconds(2))
        await provider.shutdown()
        return 0
    }
}
