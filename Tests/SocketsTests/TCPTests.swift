import Glibc
import Synchronization
import Testing
import NetworkTesting
@testable import Sockets

/// A connected pair over loopback: (client side, server side).
func loopbackPair(_ host: String = "127.0.0.1") async throws -> (TCPListener, TCPConnection, TCPConnection) {
    let listener = try TCPListener.listen(on: try SocketAddress.parse("\(host == "::1" ? "[::1]" : host):0"))
    async let accepted = listener.accept()
    let client = try await TCPConnection.connect(to: listener.localAddress)
    let server = try await accepted
    return (listener, client, server)
}

/// Reads until `count` bytes arrived or EOF.
func readExactly(_ connection: TCPConnection, _ count: Int) async throws -> [UInt8] {
    var out: [UInt8] = []
    while out.count < count {
        let chunk = try await connection.read(timeout: .seconds(5))
        if chunk.isEmpty { break }
        out += chunk
    }
    return out
}

/// `count` bytes of a repeating 251-byte pattern, built with a few large copies (cheap even in
/// debug builds, so big-transfer tests do not hog the shared cooperative pool).
func patternBytes(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        guard let base = buffer.baseAddress else { initialized = 0; return }
        let unit = min(251, count)
        for i in 0..<unit { base[i] = UInt8(truncatingIfNeeded: i &+ Int(seed)) }
        var filled = unit
        while filled < count {
            let chunk = min(filled, count - filled)
            (base + filled).update(from: base, count: chunk)
            filled += chunk
        }
        initialized = count
    }
}

/// Byte-wise equality through memcmp (fast in debug builds too).
func sameBytes(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    return a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
}

@Suite struct TCPConnectionTests {
    @Test func listenOnPortZeroReportsTheRealPort() throws {
        let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        defer { listener.close() }
        #expect(listener.localAddress.port != 0)
        #expect(listener.localAddress.host == "127.0.0.1")
    }

    @Test func bindingAPortInUseThrowsAddressInUse() throws {
        let first = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        defer { first.close() }
        do {
            let second = try TCPListener.listen(on: first.localAddress)
            second.close()
            Issue.record("second bind succeeded")
        } catch let error as SocketError {
            #expect(error.kind == .addressInUse)
        }
    }

    @Test(arguments: ["127.0.0.1", "::1"])
    func connectWriteReadAndEOF(host: String) async throws {
        let (listener, client, server) = try await loopbackPair(host)
        defer { listener.close(); client.close(); server.close() }
        #expect(server.peerAddress == client.localAddress)
        #expect(client.peerAddress == listener.localAddress)
        try await client.write(Array("hello".utf8))
        #expect(try await readExactly(server, 5) == Array("hello".utf8))
        try await server.write(Array("world!".utf8))
        #expect(try await readExactly(client, 6) == Array("world!".utf8))
        client.close()
        #expect(try await server.read(timeout: .seconds(5)) == [])
        // EOF is sticky.
        #expect(try await server.read(timeout: .seconds(5)) == [])
    }

    @Test func wildcardListenersReportTheRealLocalAddress() async throws {
        let listener = try TCPListener.listen(on: try SocketAddress.parse("0.0.0.0:0"))
        defer { listener.close() }
        async let accepted = listener.accept()
        let client = try await TCPConnection.connect(to: try SocketAddress.parse("127.0.0.1:\(listener.localAddress.port)"))
        let server = try await accepted
        defer { client.close(); server.close() }
        #expect(server.localAddress == client.peerAddress)
        #expect(server.peerAddress == client.localAddress)
    }

    @Test func dualStackListenerSeesIPv4PeersAsMappedAddressesThatMatchIPv4Blocks() async throws {
        let listener = try TCPListener.listen(on: try SocketAddress.parse("[::]:0"))
        defer { listener.close() }
        async let accepted = listener.accept()
        let client = try await TCPConnection.connect(to: try SocketAddress.parse("127.0.0.1:\(listener.localAddress.port)"))
        let server = try await accepted
        defer { client.close(); server.close() }
        #expect(server.peerAddress.ip.mappedIPv4 == .v4(127, 0, 0, 1))
        #expect(try CIDRBlock(parsing: "127.0.0.0/8").contains(server.peerAddress))
        #expect(server.peerAddress.isLoopback)
    }

    @Test func halfCloseDeliversEOFToThePeerAndKeepsTheOtherDirection() async throws {
        let (listener, client, server) = try await loopbackPair()
        defer { listener.close(); client.close(); server.close() }
        try await client.write(Array("last words".utf8))
        client.shutdownWrite()
        #expect(try await readExactly(server, 100) == Array("last words".utf8))  // stops at EOF
        #expect(try await server.read(timeout: .seconds(5)) == [])
        try await server.write(Array("reply".utf8))
        #expect(try await readExactly(client, 5) == Array("reply".utf8))
    }

    @Test func readTimesOutAndTheConnectionStaysUsable() async throws {
        try await onSocketLoop {
            let (listener, client, server) = try await loopbackPair()
            defer { listener.close(); client.close(); server.close() }
            let started = ContinuousClock.now
            do {
                _ = try await server.read(timeout: .milliseconds(100))
                Issue.record("read returned without data")
            } catch let error as SocketError {
                #expect(error.kind == .timedOut)
            }
            #expect(ContinuousClock.now - started >= .milliseconds(95))
            try await client.write([1, 2, 3])
            #expect(try await readExactly(server, 3) == [1, 2, 3])
        }
    }

    @Test func connectToAClosedPortIsRefused() async throws {
        let reserved = try ReservedPort()
        defer { reserved.release() }
        let address = reserved.address
        do {
            let connection = try await TCPConnection.connect(to: address, timeout: .seconds(2))
            connection.close()
            Issue.record("connected to a closed port")
        } catch let error as SocketError {
            #expect(error.kind == .connectionRefused)
        }
    }

    @Test func writeAfterCloseThrowsClosed() async throws {
        let (listener, client, server) = try await loopbackPair()
        defer { listener.close(); server.close() }
        client.close()
        client.close()  // idempotent
        #expect(client.isClosed)
        do {
            try await client.write([1])
            Issue.record("write after close succeeded")
        } catch let error as SocketError {
            #expect(error.kind == .closed)
        }
        await #expect(throws: SocketError.self) { try await client.read() }
    }

    @Test func writeToAPeerThatWentAwayEventuallyThrows() async throws {
        let (listener, client, server) = try await loopbackPair()
        defer { listener.close(); client.close() }
        server.close()
        var failed = false
        for _ in 0..<100 {
            do { try await client.write([UInt8](repeating: 7, count: 1024)) } catch { failed = true; break }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(failed)
    }

    @Test func cancellingAPendingReadThrowsCancellation() async throws {
        try await onSocketLoop {
            let (listener, client, server) = try await loopbackPair()
            defer { listener.close(); client.close(); server.close() }
            let reader = Task(executorPreference: SocketLoopExecutor.shared) { try await server.read(timeout: .seconds(10)) }
            try await Task.sleep(for: .milliseconds(50))
            reader.cancel()
            let result = await reader.result
            #expect(throws: CancellationError.self) { try result.get() }
            // The connection still works after a cancelled read.
            try await client.write([9])
            #expect(try await readExactly(server, 1) == [9])
        }
    }

    @Test func closeWakesAPendingRead() async throws {
        try await onSocketLoop {
            let (listener, client, server) = try await loopbackPair()
            defer { listener.close(); client.close() }
            let reader = Task(executorPreference: SocketLoopExecutor.shared) { try await server.read(timeout: .seconds(10)) }
            try await Task.sleep(for: .milliseconds(50))
            server.close()
            let result = await reader.result
            #expect(throws: SocketError.self) { try result.get() }
        }
    }

    @Test func largeWritesSuspendUntilThePeerReads() async throws {
        let (listener, client, server) = try await loopbackPair()
        defer { listener.close(); client.close(); server.close() }
        let payload = patternBytes(8 << 20)
        let writer = Task(executorPreference: SocketLoopExecutor.shared) { try await client.write(payload, timeout: .seconds(20)) }
        try await Task.sleep(for: .milliseconds(100))  // let the kernel buffers fill up first
        let received = try await readExactly(server, payload.count)
        try await writer.value
        #expect(sameBytes(payload, received[...]))
    }

    @Test func concurrentLargeWritesNeverInterleave() async throws {
        let (listener, client, server) = try await loopbackPair()
        defer { listener.close(); client.close(); server.close() }
        let blockSize = 1 << 20
        let writers = 6
        let writing = Task(executorPreference: SocketLoopExecutor.shared) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for value in 0..<writers {
                    group.addTask {
                        try await client.write(patternBytes(blockSize, seed: UInt8(value * 50)), timeout: .seconds(30))
                    }
                }
                try await group.waitForAll()
            }
        }
        let received = try await readExactly(server, blockSize * writers)
        try await writing.value
        #expect(received.count == blockSize * writers)
        // Each block must be exactly one writer's pattern (identified by its first byte).
        var seen: Set<UInt8> = []
        for start in stride(from: 0, to: received.count, by: blockSize) {
            let block = received[start..<min(start + blockSize, received.count)]
            let seed = block.first ?? 0
            #expect(sameBytes(patternBytes(blockSize, seed: seed), block), "block at \(start) mixes writers")
            seen.insert(seed)
        }
        #expect(seen.count == writers)
    }

    @Test func writeTimesOutWhenThePeerNeverReadsAndClosesTheConnection() async throws {
        try await onSocketLoop {
            let (listener, client, server) = try await loopbackPair()
            defer { listener.close(); client.close(); server.close() }
            do {
                for _ in 0..<1000 {
                    try await client.write([UInt8](repeating: 1, count: 1 << 20), timeout: .milliseconds(200))
                }
                Issue.record("1 GB went into a peer that never reads")
            } catch let error as SocketError {
                #expect(error.kind == .timedOut)
            }
            #expect(client.isClosed)
        }
    }

    @Test func acceptThrowsClosedAfterListenerClose() async throws {
        try await onSocketLoop {
            let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
            let acceptor = Task(executorPreference: SocketLoopExecutor.shared) { try await listener.accept() }
            try await Task.sleep(for: .milliseconds(50))
            listener.close()
            let result = await acceptor.result
            do {
                _ = try result.get()
                Issue.record("accepted after close")
            } catch let error as SocketError {
                #expect(error.kind == .closed)
            }
        }
    }
}

@Suite struct PushModeTests {
    final class Collector: Sendable {
        let bytes = Mutex<[UInt8]>([])
        let closed = Mutex<[String]>([])
    }

    @Test func receiverGetsChunksThenExactlyOneClose() async throws {
        let (listener, client, server) = try await loopbackPair()
        defer { listener.close(); client.close(); server.close() }
        let collector = Collector()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            server.startReceiving(onReceive: { chunk in
                collector.bytes.withLock { $0 += chunk }
            }, onClose: { error in
                collector.closed.withLock { $0.append(error.map { "\($0)" } ?? "eof") }
                done.resume()
            })
            Task(executorPreference: SocketLoopExecutor.shared) {
                try await client.write(Array("agi_network: yes\n".utf8))
                try await client.write(Array("\n".utf8))
                client.shutdownWrite()
            }
        }
        #expect(collector.bytes.withLock { $0 } == Array("agi_network: yes\n\n".utf8))
        server.close()  // must not call onClose again
        try await Task.sleep(for: .milliseconds(50))
        #expect(collector.closed.withLock { $0 } == ["eof"])
    }

    @Test func bytesSentBeforeStartReceivingAreDelivered() async throws {
        let (listener, client, server) = try await loopbackPair()
        defer { listener.close(); client.close(); server.close() }
        try await client.write(Array("early".utf8))
        try await Task.sleep(for: .milliseconds(50))
        let collector = Collector()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            server.startReceiving(onReceive: { chunk in
                let total = collector.bytes.withLock { $0 += chunk; return $0.count }
                if total == 5 { done.resume() }
            }, onClose: { _ in })
        }
        #expect(collector.bytes.withLock { $0 } == Array("early".utf8))
    }

    @Test func localCloseDeliversOnCloseOnce() async throws {
        let (listener, client, server) = try await loopbackPair()
        defer { listener.close(); client.close() }
        let collector = Collector()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            server.startReceiving(onReceive: { _ in }, onClose: { error in
                collector.closed.withLock { $0.append(error == nil ? "nil" : "error") }
                done.resume()
            })
            server.close()
            server.close()
        }
        try await Task.sleep(for: .milliseconds(30))
        #expect(collector.closed.withLock { $0 } == ["nil"])
    }

    @Test func pushAcceptDeliversConnections() async throws {
        let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        defer { listener.close() }
        let accepted = Mutex<[TCPConnection]>([])
        listener.startAccepting { connection in accepted.withLock { $0.append(connection) } }
        var clients: [TCPConnection] = []
        for _ in 0..<20 { clients.append(try await TCPConnection.connect(to: listener.localAddress)) }
        for _ in 0..<200 where accepted.withLock({ $0.count }) < 20 { try await Task.sleep(for: .milliseconds(10)) }
        let servers = accepted.withLock { $0 }
        #expect(servers.count == 20)
        for c in clients + servers { c.close() }
    }
}

@Suite struct ManyConnectionsTests {
    @Test func twoThousandConcurrentLoopbackConnectionsEcho() async throws {
        try await onSocketLoop {
            _ = ResourceLimits.raiseOpenFileLimit()
            let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
            defer { listener.close() }
            // Echo server in push mode: each chunk is written back from a task.
            listener.startAccepting { connection in
                connection.startReceiving(onReceive: { chunk in
                    let bytes = Array(chunk)
                    Task(executorPreference: SocketLoopExecutor.shared) { try? await connection.write(bytes) }
                }, onClose: { _ in connection.close() })
            }
            // Opened, used and checked one after another, so that 2,000 connections are open at
            // the same time without a burst that would starve other tests running in parallel.
            let count = 2_000
            var clients: [TCPConnection] = []
            defer { for client in clients { client.close() } }
            for _ in 0..<count {
                clients.append(try await TCPConnection.connect(to: listener.localAddress, timeout: .seconds(30)))
            }
            for (i, client) in clients.enumerated() {
                try await client.write(Array("ping \(i)\n".utf8), timeout: .seconds(30))
            }
            var ok = 0
            for (i, client) in clients.enumerated() {
                let message = Array("ping \(i)\n".utf8)
                var echoed: [UInt8] = []
                while echoed.count < message.count {
                    let chunk = try await client.read(timeout: .seconds(30))
                    if chunk.isEmpty { break }
                    echoed += chunk
                }
                if echoed == message { ok += 1 }
            }
            #expect(ok == count)
        }
    }
}

/// Runs `body` on the socket loop thread (`SocketLoopExecutor`), as FastAGI sessions run in
/// production. Timing assertions then hold even while other suites in the same test process
/// block the (two-thread) cooperative pool with synchronous work.
func onSocketLoop<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(SocketLoopExecutor.shared, operation: body)
}
