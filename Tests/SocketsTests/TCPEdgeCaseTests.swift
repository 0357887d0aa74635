import Synchronization
import Testing
@testable import Sockets

@Suite struct TCPEdgeCaseTests {
    @Test func connectTimesOutWhenTheListenerNeverAccepts() async throws {
        try await onSocketLoop {
            // Backlog 1 and nobody accepting: once the accept queue is full the kernel drops
            // further SYNs, so a connect hangs until our timeout.
            let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"), backlog: 1)
            defer { listener.close() }
            var opened: [TCPConnection] = []
            defer { for c in opened { c.close() } }
            var timedOut = false
            for _ in 0..<16 {
                do {
                    opened.append(try await TCPConnection.connect(to: listener.localAddress, timeout: .milliseconds(300)))
                } catch let error as SocketError where error.kind == .timedOut {
                    timedOut = true
                    break
                }
            }
            #expect(timedOut)
        }
    }

    @Test func cancellingOneAcceptLeavesTheOtherWaiting() async throws {
        try await onSocketLoop {
            let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
            defer { listener.close() }
            let first = Task(executorPreference: SocketLoopExecutor.shared) { try await listener.accept() }
            let second = Task(executorPreference: SocketLoopExecutor.shared) { try await listener.accept() }
            try await Task.sleep(for: .milliseconds(50))
            first.cancel()
            let firstResult = await first.result
            #expect(throws: CancellationError.self) { try firstResult.get() }
            let client = try await TCPConnection.connect(to: listener.localAddress)
            defer { client.close() }
            let accepted = try await second.value
            defer { accepted.close() }
            #expect(accepted.peerAddress == client.localAddress)
        }
    }

    @Test func pushModeDeliversAMegabyteInOrder() async throws {
        let (listener, client, server) = try await loopbackPair()
        defer { listener.close(); client.close(); server.close() }
        let payload = patternBytes(1 << 20, seed: 3)
        let received = Mutex<[UInt8]>([])
        let chunks = Mutex(0)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            server.startReceiving(onReceive: { chunk in
                chunks.withLock { $0 += 1 }
                received.withLock { $0 += chunk }
            }, onClose: { _ in done.resume() })
            Task(executorPreference: SocketLoopExecutor.shared) {
                try await client.write(payload, timeout: .seconds(10))
                client.shutdownWrite()
            }
        }
        #expect(sameBytes(payload, received.withLock { $0 }[...]))
        #expect(chunks.withLock { $0 } >= 2)
    }

    @Test func peerResetReachesAPendingReadAsAnError() async throws {
        let (listener, client, server) = try await loopbackPair()
        defer { listener.close(); client.close(); server.close() }
        // Unread data at close makes the kernel send RST instead of FIN.
        try await server.write([1, 2, 3])
        try await Task.sleep(for: .milliseconds(20))
        client.close()
        do {
            let bytes = try await server.read(timeout: .seconds(5))
            #expect(bytes.isEmpty)  // a plain EOF is acceptable too, depending on timing
        } catch let error as SocketError {
            #expect(error.kind == .closed)
        }
    }
}

