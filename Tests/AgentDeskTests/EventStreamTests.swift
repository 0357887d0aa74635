import Foundation
import HTTPServer
import Sockets
import StructuredLogging
import Testing
import CIBASimulator
@testable import AgentDesk
@testable import CallerAuth

/// Reads a Server-Sent Events response from a raw socket.
final class EventStreamReader {
    let connection: TCPConnection
    private(set) var received = ""

    init(_ address: SocketAddress, cookie: String) async throws {
        connection = try await TCPConnection.connect(to: address, timeout: .seconds(10))
        try await connection.write(Array("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: \(cookie)\r\nAccept: text/event-stream\r\n\r\n".utf8),
                                   timeout: .seconds(10))
    }

    deinit { connection.close() }

    /// Reads until `text` has arrived (true) or the stream ended (false); throws on timeout.
    func read(until text: String, timeout: Duration = .seconds(30)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !received.contains(text) {
            let bytes = try await connection.read(maxBytes: 65_536, timeout: deadline - ContinuousClock.now)
            if bytes.isEmpty { return false }
            received += String(decoding: bytes, as: UTF8.self)
        }
        return true
    }
}

@Suite("Agent desk event stream")
struct EventStreamTests {
    @Test("SSE: connected line, every state change of a verification, heartbeats, and a clean end at shutdown")
    func stream() async throws {
        let harness = try await DeskHarness()
        let server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled, handler: harness.desk.handler)
        let address = try server.start()
        let login = try await harness.login()
        let reader = try await EventStreamReader(address, cookie: login.cookie)
        #expect(try await reader.read(until: ": connected\n\n"))
        #expect(reader.received.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(reader.received.contains("Content-Type: text/event-stream"))
        #expect(reader.received.contains("Cache-Control: no-store"))

        let started = try await harness.startVerification(login, number: SimulatedPerson.norwegianDemoNumber, profile: "no-bankid")
        let txn = try #require(started["txn"]?.stringValue)
        #expect(try await reader.read(until: #""status":"verified""#))
        let events = reader.received.components(separatedBy: "\n\n").filter { $0.contains("event: verification") && $0.contains(txn) }
        #expect(events.count >= 3)
        #expect(events.first?.contains(#""status":"started""#) == true)
        #expect(events.contains { $0.contains(#""status":"pending""#) && $0.contains("wordPair") })
        #expect(!reader.received.contains(SimulatedPerson.norwegianDemoNumber))

        await harness.desk.events.heartbeat()
        #expect(try await reader.read(until: ": heartbeat\n\n"))

        await harness.desk.shutdown()
        #expect(try await reader.read(until: "event: shutdown"))
        #expect(try await reader.read(until: "never sent") == false)  // EOF: the server closed the stream
        await server.shutdown()
        await harness.shutdown()
    }

    @Test("a client that stops reading is disconnected once its buffer is full; others go on")
    func boundedBuffer() async throws {
        let store = InMemoryVerificationStore(retentionMinutes: 60)
        let hub = DeskEventHub(store: store, logger: .disabled, clientBuffer: 4)
        await hub.start()
        let slow = try #require(await hub.subscribe())
        let fast = try #require(await hub.subscribe())
        var fastIterator = fast.makeAsyncIterator()
        _ = await fastIterator.next()  // the connected line
        let record = VerificationRecord(txn: "t", status: .pending, profile: "p", initiator: "ivr", numberMasked: "",
                                        callerIDMasked: "", createdAt: Date(), updatedAt: Date())
        for _ in 0..<3 {
            await hub.broadcast(record)
            #expect(await fastIterator.next() != nil)
        }
        #expect(await hub.clientCount == 2)
        for _ in 0..<2 { await hub.broadcast(record) }  // slow: connected line + 3 fill its 4; fast has room
        #expect(await hub.clientCount == 1)
        var chunks = 0
        for await _ in slow { chunks += 1 }
        #expect(chunks == 4)  // what fit, then the stream ended
        await hub.shutdown()
        #expect(await hub.clientCount == 0)
        #expect(await hub.subscribe() == nil)
    }
}
