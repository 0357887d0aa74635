import Foundation
import Sockets
import Testing
@testable import TLS

/// Both ends are ours, over real loopback TCP: handshakes, certificates, refusals.
@Suite struct TLSHandshakeTests {
    @Test func roundTripWithALPNAndServerFacts() async throws {
        let pair = try TLSPair()
        let serverContext = try pair.serverContext()
        let clientContext = try pair.clientContext(alpn: ["h2", "http/1.1"])
        let (server, client) = try await withOneConnection(server: { tcp in
            let tls = try await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(120))
            defer { tls.close() }
            let request = try await tls.read(maxBytes: 100, timeout: .seconds(120))
            try await tls.write(Array("pong:".utf8) + request, timeout: .seconds(120))
            await tls.shutdownWrite()
            return (tls.negotiatedProtocol, tls.peerCertificate)
        }, client: { address in
            let tls = try await TLSConnection.connect(
                try await TCPConnection.connect(to: address), context: clientContext, serverName: "localhost", timeout: .seconds(120))
            defer { tls.close() }
            try await tls.write(Array("ping".utf8), timeout: .seconds(120))
            var received: [UInt8] = []
            while true {
                let bytes = try await tls.read(maxBytes: 100, timeout: .seconds(120))
                if bytes.isEmpty { break }
                received += bytes
            }
            return (String(decoding: received, as: UTF8.self), tls.peerCertificate, tls.protocolVersion, tls.negotiatedProtocol)
        })
        let (alpnOnServer, clientCertificate) = try server.get()
        let (text, serverCertificate, version, alpnOnClient) = try client.get()
        #expect(text == "pong:ping")
        #expect(alpnOnServer == "http/1.1")
        #expect(alpnOnClient == "http/1.1")
        #expect(clientCertificate == nil)
        #expect(version == "TLSv1.3")
        #expect(serverCertificate?.subject == "CN=localhost")
        #expect(serverCertificate == (try TLSCertificate(pemFile: pair.pki.serverCertificateFile)))
    }

    @Test func ipAddressServerNameMatchesTheIPSubjectAltName() async throws {
        let pair = try TLSPair()
        let serverContext = try pair.serverContext()
        let clientContext = try pair.clientContext()
        let (_, client) = try await withOneConnection(server: { tcp in
            let tls = try await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(120))
            tls.close()
        }, client: { address in
            let tls = try await TLSConnection.connect(
                try await TCPConnection.connect(to: address), context: clientContext, serverName: "127.0.0.1", timeout: .seconds(120))
            tls.close()
        })
        try client.get()
    }

    @Test func untrustedServerIsRefusedWithAClearReason() async throws {
        let pair = try TLSPair()
        let other = try TLSPair()  // another CA
        let serverContext = try pair.serverContext()
        let clientContext = try pair.clientContext(caFile: other.pki.caCertificateFile)
        let (server, client) = try await withOneConnection(server: { tcp in
            _ = try await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(120))
        }, client: { address in
            _ = try await TLSConnection.connect(
                try await TCPConnection.connect(to: address), context: clientContext, serverName: "localhost", timeout: .seconds(120))
        })
        let error = try #require(client.error as? TLSError)
        #expect(error.kind == .certificateUntrusted)
        #expect(error.description == "TLS: certificate of localhost not trusted (unable to get local issuer certificate)")
        #expect(server.tlsKind == .refusedByPeer)
    }

    @Test func wrongHostNameIsRefused() async throws {
        let pair = try TLSPair()
        let serverContext = try pair.serverContext()
        let clientContext = try pair.clientContext()
        let (_, client) = try await withOneConnection(server: { tcp in
            _ = try? await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(120))
        }, client: { address in
            _ = try await TLSConnection.connect(
                try await TCPConnection.connect(to: address), context: clientContext, serverName: "example.org", timeout: .seconds(120))
        })
        let error = try #require(client.error as? TLSError)
        #expect(error.kind == .hostnameMismatch)
        #expect(error.reason.hasPrefix("certificate of example.org is for another host name"))
    }

    @Test func expiredServerCertificateIsRefused() async throws {
        let pair = try TLSPair()
        let expired = try pair.pki.authority.issueServerCertificate(dnsNames: ["localhost"], validity: .expired)
            .write(in: pair.pki.directory, named: "expired")
        let serverContext = try pair.serverContext(certificate: (expired.certificateFile, expired.keyFile))
        let clientContext = try pair.clientContext()
        let (_, client) = try await withOneConnection(server: { tcp in
            _ = try? await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(120))
        }, client: { address in
            _ = try await TLSConnection.connect(
                try await TCPConnection.connect(to: address), context: clientContext, serverName: "localhost", timeout: .seconds(120))
        })
        #expect(client.tlsKind == .certificateExpired)
    }

    @Test func requiredClientCertificateIsAcceptedAndExposed() async throws {
        let pair = try TLSPair()
        let serverContext = try pair.serverContext(.require(trustedCAFile: pair.pki.caCertificateFile))
        let clientContext = try pair.clientContext(withClientCertificate: true)
        let (server, client) = try await withOneConnection(server: { tcp in
            try await acceptAndWrite(1, tcp, context: serverContext)
        }, client: { address in
            try await connectAndRead(address, context: clientContext)
        })
        #expect(try client.get() == [1])
        let (certificate, verified) = try server.get()
        #expect(verified)
        #expect(certificate?.subject == "CN=\(TestCertificateAuthority.clientCommonName),O=\(TestCertificateAuthority.clientOrganization)")
        #expect(certificate?.sha256Thumbprint == pair.pki.clientCertificate.sha256Thumbprint)
        #expect(certificate?.sha256ThumbprintBase64URL.count == 43)
    }

    @Test func missingClientCertificateIsRefusedOnBothEnds() async throws {
        let pair = try TLSPair()
        let serverContext = try pair.serverContext(.require(trustedCAFile: pair.pki.caCertificateFile))
        let clientContext = try pair.clientContext(withClientCertificate: false)
        let (server, client) = try await withOneConnection(server: { tcp in
            _ = try await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(120))
        }, client: { address in
            // TLS 1.3: the client may finish its handshake before the server's alert arrives.
            try await connectAndRead(address, context: clientContext)
        })
        #expect(server.tlsKind == .certificateRequired)
        let error = try #require(client.error as? TLSError)
        #expect(error.kind == .refusedByPeer)
        #expect(error.reason.contains("certificate required"))
    }

    @Test func clientCertificateFromAnotherCAIsRefused() async throws {
        let pair = try TLSPair()
        let other = try TLSPair()
        let serverContext = try pair.serverContext(.require(trustedCAFile: pair.pki.caCertificateFile))
        var configuration = TLSClientConfiguration(
            trustedCAFile: pair.pki.caCertificateFile,
            certificateChainFile: other.pki.clientCertificateFile, privateKeyFile: other.pki.clientKeyFile)
        configuration.minimumVersion = .v1_2
        let clientContext = try TLSClientContext(configuration)
        let (server, client) = try await withOneConnection(server: { tcp in
            _ = try await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(120))
        }, client: { address in
            try await connectAndRead(address, context: clientContext)
        })
        let error = try #require(server.error as? TLSError)
        #expect(error.kind == .certificateUntrusted)
        #expect(error.reason.hasPrefix("client certificate from client at 127.0.0.1:"))
        #expect(client.tlsKind == .refusedByPeer)
    }

    @Test func requestModeAcceptsASelfSignedClientCertificateUnverified() async throws {
        let pair = try TLSPair()
        let selfSigned = try CertificateAuthority.selfSignedClientCertificate(commonName: "self-signed-client")
        let files = try selfSigned.write(in: pair.pki.directory, named: "self-signed")
        let serverContext = try pair.serverContext(.request(trustedCAFile: nil))
        let clientContext = try TLSClientContext(TLSClientConfiguration(
            trustedCAFile: pair.pki.caCertificateFile, certificateChainFile: files.certificateFile, privateKeyFile: files.keyFile))
        let (server, client) = try await withOneConnection(server: { tcp in
            try await acceptAndWrite(7, tcp, context: serverContext)
        }, client: { address in
            try await connectAndRead(address, context: clientContext)
        })
        #expect(try client.get() == [7])
        let (certificate, verified) = try server.get()
        #expect(!verified)
        #expect(certificate?.sha256Thumbprint == (try selfSigned.certificate().sha256Thumbprint))
        #expect(certificate?.subject == "CN=self-signed-client")
    }

    @Test func silentClientHitsTheHandshakeTimeout() async throws {
        let pair = try TLSPair()
        let serverContext = try pair.serverContext()
        let (server, client) = try await withOneConnection(server: { tcp in
            _ = try await TLSConnection.accept(tcp, context: serverContext, timeout: .milliseconds(300))
        }, client: { address in
            let tcp = try await TCPConnection.connect(to: address)
            defer { tcp.close() }
            // Says nothing; the server gives up and closes: EOF here.
            return try await tcp.read(maxBytes: 10, timeout: .seconds(120))
        })
        let error = try #require(server.error as? TLSError)
        #expect(error.kind == .handshakeTimedOut)
        #expect(error.reason.hasPrefix("TLS handshake with client at 127.0.0.1:"))
        #expect(try client.get() == [])
    }

    @Test func silentServerHitsTheClientsHandshakeTimeout() async throws {
        let pair = try TLSPair()
        let clientContext = try pair.clientContext()
        let (_, client) = try await withOneConnection(server: { tcp in
            defer { tcp.close() }
            _ = try await tcp.read(maxBytes: 65_536, timeout: .seconds(120))  // the ClientHello, never answered
            return try await tcp.read(maxBytes: 65_536, timeout: .seconds(120))  // until the client gives up
        }, client: { address in
            _ = try await TLSConnection.connect(
                try await TCPConnection.connect(to: address), context: clientContext, serverName: "localhost", timeout: .milliseconds(300))
        })
        #expect(client.tlsKind == .handshakeTimedOut)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "sent plain HTTP to a TLS port"),
        ("\u{16}\u{03}\u{01}\u{00}\u{05}hello", "TLS protocol error"),
        (String(repeating: "\u{00}", count: 64), "wrong version number"),
    ])
    func garbageInsteadOfAClientHelloIsAProtocolViolation(garbage: String, expected: String) async throws {
        let pair = try TLSPair()
        let serverContext = try pair.serverContext()
        let (server, client) = try await withOneConnection(server: { tcp in
            _ = try await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(120))
        }, client: { address in
            let tcp = try await TCPConnection.connect(to: address)
            defer { tcp.close() }
            try await tcp.write(Array(garbage.utf8), timeout: .seconds(120))
            var received: [UInt8] = []
            while true {  // the alert (if any), then EOF
                let bytes = try await tcp.read(maxBytes: 100, timeout: .seconds(120))
                if bytes.isEmpty { return received }
                received += bytes
            }
        })
        let error = try #require(server.error as? TLSError)
        #expect(error.kind == .protocolViolation)
        #expect(error.reason.contains(expected))
        _ = try client.get()
    }
}
