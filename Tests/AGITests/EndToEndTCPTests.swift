import Foundation
import Synchronization
import Testing
import Sockets
import StructuredLogging
@testable import AGI
import AGITesting

/// FakeAsterisk over real TCP against the real FastAGIServer, sessions on the socket loop or
/// on the global pool.
@Suite struct EndToEndTCPTests {
    @Test(arguments: [true, false])
    func callerHangupDuringHoldOverTCP(onSocketLoop: Bool) async throws {
        let observed = Mutex<[String]>([])
        var router = AGIRouter()
        router.register("hold") { channel in
            try await channel.answer()
            try await channel.setMusic(true, class: "default")
            do {
                try await Task.sleep(for: .seconds(3600))  // only a cancellation ends it
            } catch {
                observed.withLock { $0.append("cancelled hungUp=\(channel.isHungUp)") }
            }
            try await channel.setVariable("CIBA_STATUS", "caller_hung_up")
        }
        let logs = InMemoryLogHandler()
        let server = FastAGIServer(
            configuration: FastAGIServerConfiguration(listen: [try SocketAddress.parse("127.0.0.1:0")],
                                                      runSessionsOnSocketLoop: onSocketLoop),
            router: router, logger: Logger(handler: logs))
        let address = try #require(try server.start().first)
        let call = FakeCall(script: "hold?lang=sv", hangupAt: .seconds(2), hangupAfterCommand: "SET MUSIC", timeScale: 0.05)
        let transcript = try await FakeAsterisk(call: call).place(to: address)
        #expect(observed.withLock { $0 } == ["cancelled hungUp=true"])
        #expect(transcript.agiStatus == "HANGUP")
        #expect(transcript.variables["CIBA_STATUS"] == "caller_hung_up")
        #expect(transcript.closedByServer)
        #expect(transcript.commands == ["ANSWER", "SET MUSIC ON default", #"SET VARIABLE CIBA_STATUS "caller_hung_up""#])
        await server.shutdown(drainTimeout: .seconds(2))
        #expect(server.activeSessions == 0)
        let end = try #require(logs.records(event: "agi.session.end").first)
        #expect(end["hungup"] == "true")
        #expect(end["commands"] == "3")
    }
}
