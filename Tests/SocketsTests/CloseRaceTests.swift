import Synchronization
import Testing
@testable import Sockets

/// Closing from every side while reads, writes and push receivers are in flight must never
/// crash, hang or deliver `onClose` twice (the loop holds a reference per socket until close).
@Suite struct CloseRaceTests {
    @Test func closingWhileEverythingIsInFlight() async throws {
        let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        defer { listener.close() }
        let closes = Mutex(0)
        let servers = Mutex<[TCPConnection]>([])
        listener.startAccepting { connection in
            servers.withLock { $0.append(connection) }
            connection.startReceiving(onReceive: { _ in }, onClose: { _ in
                closes.withLock { $0 += 1 }
                connection.close()
            })
        }
        let rounds = 200
        let payload = patternBytes(256 << 10)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for round in 0..<rounds {
                group.addTask {
                    let client = try await TCPConnection.connect(to: listener.localAddress, timeout: .seconds(10))
                    let writer = Task { try? await client.write(payload, timeout: .seconds(10)) }
                    let reader = Task { _ = try? await client.read(timeout: .seconds(10)) }
                    if round % 3 == 0 { await Task.yield() }
                    switch round % 4 {
                    case 0: client.close()
                    case 1: client.shutdownWrite(); client.close()
                    case 2: writer.cancel(); client.close()
                    default: reader.cancel(); try? await Task.sleep(for: .milliseconds(1)); client.close()
                    }
                    _ = await (writer.value, reader.value)
                }
            }
            try await group.waitForAll()
        }
        // Every accepted connection reports its close exactly once.
        let accepted = await waitFor { servers.withLock { $0.count } == rounds && closes.withLock { $0 } == rounds }
        #expect(accepted)
        #expect(closes.withLock { $0 } == servers.withLock { $0.count })
        for server in servers.withLock({ $0 }) { #expect(server.isClosed) }
    }

    private func waitFor(_ condition: @Sendable () -> Bool) async -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}
