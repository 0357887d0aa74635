import Foundation
import Testing
import CIBASimulator
import Sockets
@testable import CallerAuth

/// `ciba-agi serve` as a process: SIGHUP reloads (and refuses a broken file), a port in use is
/// named by its key.
@Suite("serve: SIGHUP reload, port in use")
struct ServeSignalTests {
    @Test func sighupReloadsAndABrokenFileIsRefused() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let provider = SimulatedProvider()
        let issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0"))
        defer { Task { await provider.shutdown() } }
        let config = try ExecutableTests.writeConfiguration(directory: directory, issuer: issuer, agiPort: 0, opsPort: 0,
                                                            secret: SimulatorConfiguration.demoClientSecret)
        let original = try String(contentsOfFile: config, encoding: .utf8)
        let serve = try Subprocess(["serve", "--config", config], directory: directory)
        defer { serve.kill() }
        try await ExecutableTests.waitFor("server.started", in: serve)

        // One profile fewer, a new log level: applied.
        let smaller = original.replacingOccurrences(of: "\"logLevel\": \"debug\"", with: "\"logLevel\": \"notice\"")
            .replacingOccurrences(of: #"\s*"no-bankid": \{[^}]*\}"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: "\"numberClaim\": \"ssn\"},", with: "\"numberClaim\": \"ssn\"}")
        #expect(smaller != original)
        try smaller.write(toFile: config, atomically: true, encoding: .utf8)
        serve.process.signal(SIGHUP)
        try await ExecutableTests.waitFor("event=server.reloaded", in: serve)
        #expect(serve.stderr.contains("profiles=se-bankid log_level=notice"))

        // A trailing comma: refused, the old configuration kept, the position logged.
        let trailing = smaller.replacingOccurrences(of: "\"drainTimeoutSeconds\": 300", with: "\"drainTimeoutSeconds\": 300,")
        #expect(trailing != smaller)
        try trailing.write(toFile: config, atomically: true, encoding: .utf8)
        serve.process.signal(SIGHUP)
        try await ExecutableTests.waitFor("event=server.reload_failed", in: serve)
        #expect(serve.stderr.contains("trailing comma before '}'"))
        #expect(serve.isRunning)

        serve.terminate()
        #expect(try await serve.wait() == 0)
        #expect(!serve.stderr.contains(SimulatorConfiguration.demoClientSecret))
    }

    @Test func aPortInUseIsNamedByItsKey() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let taken = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        defer { taken.close() }
        let config = try ExecutableTests.writeConfiguration(directory: directory, issuer: URL(string: "http://127.0.0.1:9")!,
                                                            agiPort: taken.localAddress.port, opsPort: 0, secret: "x")
        let (status, _, err) = try await Subprocess.run(["serve", "--config", config], directory: directory)
        #expect(status == 1)
        #expect(err.contains("listen 127.0.0.1:\(taken.localAddress.port) (key `listen`): address already in use"), "\(err)")
    }

    @Test func checkConfigWarnsAboutEveryInterfaceWithALoopbackOnlyAllowList() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try ExecutableTests.writeConfiguration(directory: directory, issuer: URL(string: "http://127.0.0.1:9")!,
                                                            agiPort: 4573, opsPort: 9464, secret: "x")
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.replacingOccurrences(of: "\"listen\": \"127.0.0.1:4573\"", with: "\"listen\": \"0.0.0.0:4573\"")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let (_, out, _) = try await Subprocess.run(["check-config", "--config", config], directory: directory)
        #expect(out.contains("warning: listen 0.0.0.0:4573 accepts on every interface, but allowedClients (127.0.0.1/32) admits only loopback"),
                "\(out)")
    }
}
