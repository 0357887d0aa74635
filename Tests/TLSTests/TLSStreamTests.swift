import Foundation
import Sockets
import Testing
@testable import TLS

/// Data transfer after the handshake: order under concurrent writers, large payloads, EOF,
/// timeouts, closing.
@Suite struct TLSStreamTests {
    @Test func concurrentWritersKeepRecordsInOrderAndLargePayloadsArriveWhole() async throws {
        let pair = try TLSPair()
        let serverContext = try pair.serverContext()
        let clientContext = try pair.clientContext()
        let chunk = 100_000
        let writers = 8
        let (server, client) = try await withOneConnection(server: { tcp in
            let tls = try await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(120))
            defer { tls.close() }
            var received: [UInt8] = []
            while received.count < chunk * writers {
                let bytes = try await tls.read(maxBytes: 65_536, timeout: .seconds(120))
                if bytes.isEmpty { break }
                received += bytes
            }
            return received
        }, client: { address in
            let tls = try await TLSConnection.connect(
                try await TCPConnection.connect(to: address), context: clientContext, serverName: "localhost", timeout: .seconds(120))
            defer { tls.close() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask { try await tls.write([UInt8](repeating: UInt8(writer), count: chunk), timeout: .seconds(120)) }
                }
                try await group.waitForAll()
            }
        })
        try client.get()
        let received = try server.get()
        #expect(received.count == chunk * writers)
        // Each write arrives contiguous (never interleaved with another), whatever the order.
        var seen = Set<UInt8>()
        for start in stride(from: 0, to: received.count, by: chunk) {
            let block = received[start..<(start + chunk)]
            let value = try #require(block.first)
            #expect(block.allSatisfy { $0 == value })
            seen.insert(value)
        }
        #expect(seen.count == writers)
    }

    @Test func readTimesOutWithASocketTimeoutAndTheConnectionStaysUsable() async throws {
        let pair = try TLSPair()
        let serverContext = try pair.serverContext()
        let clientContext = try pair.clientContext()
        let (server, client) = try await withOneConnection(server: { tcp in
            let tls = try await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(120))
            defer { tls.close() }
            let first = try await tls.read(maxBytes: 10, timeout: .seconds(120))  // "go" after the client's timeout
            try await tls.write(first, timeout: .seconds(120))
        }, client: { address in
            let tls = try await TLSConnection.connect(
                try await TCPConnection.connect(to: address), context: clientContext, serverName: "localhost", timeout: .seconds(120))
            defer { tls.close() }
            var timedOut = false
            do {
                _ = try await tls.read(maxBytes: 10, timeout: .milliseconds(100))
            } catch let error as SocketError where error.kind == .timedOut {
                timedOut = true
            }
            try await tls.write(Array("go".utf8), timeout: .seconds(120))
            return (timedOut, try await tls.read(maxBytes: 10, timeout: .seconds(120)))
        })
        try server.get()
        let (timedOut, echoed) = try client.get()
        #expect(timedOut)
        #expect(echoed == Array("go".utf8))
    }

    @Test func closeFailsLaterReadsAndWrites() async throws {
        let pair = try TLSPair()
        let serverContext = try pair.serverContext()
        let clientContext = try pair.clientContext()
        let (server, client) = try await withOneConnection(server: { tcp in
            let tls = try await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(120))
            defer { tls.close() }
            return try await tls.read(maxBytes: 10, timeout: .seconds(120))
        }, client: { address in
            let tls = try await TLSConnection.connect(
                try await TCPConnection.connect(to: address), context: clientContext, serverName: "localhost", timeout: .seconds(120))
            tls.close()
            await #expect(throws: TLSError.self) { try await tls.write([1], timeout: .seconds(1)) }
            await #expect(throws: TLSError.self) { _ = try await tls.read(maxBytes: 1, timeout: .seconds(1)) }
        })
        try client.get()
        #expect(try server.get() == [])  // the peer just closed: end of stream
    }

    @Test func configurationErrorsNameTheFile() throws {
        let pair = try TLSPair()
        let missing = pair.pki.directory + "/nope.pem"
        #expect(throws: TLSError(.configuration, "certificate file \(missing): No such file or directory")) {
            _ = try TLSServerContext(TLSServerConfiguration(certificateChainFile: missing, privateKeyFile: pair.pki.serverKeyFile))
        }
        let mismatch = #expect(throws: TLSError.self) {
            _ = try TLSServerContext(TLSServerConfiguration(
                certificateChainFile: pair.pki.serverCertificateFile, privateKeyFile: pair.pki.clientKeyFile))
        }
        #expect(mismatch?.reason.hasPrefix("private key \(pair.pki.clientKeyFile) does not belong to the certificate") == true, "\(String(describing: mismatch))")
        let notPEM = #expect(throws: TLSError.self) {
            _ = try TLSClientContext(TLSClientConfiguration(trustedCAFile: pair.pki.clientKeyFile))
        }
        #expect(notPEM?.kind == .configuration)
        #expect(throws: TLSError(.configuration, "a client certificate file needs its private key file")) {
            _ = try TLSClientContext(TLSClientConfiguration(trustedCAFile: pair.pki.caCertificateFile, certificateChainFile: pair.pki.clientCertificateFile))
        }
    }
}
