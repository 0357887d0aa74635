import Foundation
import HTTPServer
import Sockets
import Testing
import TLS

/// What a handler saw of the TLS connection, as JSON.
private struct TLSEcho: Codable {
    var secure: Bool
    var version: String?
    var alpn: String?
    var subject: String?
    var thumbprint: String?
    var verified: Bool
}

private func tlsEchoHandler(_ request: HTTPRequest) async -> HTTPResponse {
    .json(TLSEcho(
        secure: request.isSecure, version: request.tls?.protocolVersion, alpn: request.tls?.negotiatedProtocol,
        subject: request.tls?.clientCertificate?.subject, thumbprint: request.tls?.clientCertificate?.sha256ThumbprintBase64URL,
        verified: request.tls?.clientCertificateVerified ?? false))
}

/// An https server on a free loopback port with a fresh test PKI; always shut down.
private func withTLSServer(
    _ policy: @escaping (TestCertificateFiles) -> TLSServerConfiguration.ClientCertificatePolicy = { _ in .none },
    limits: HTTPServerLimits = HTTPServerLimits(),
    _ body: (SocketAddress, TestCertificateFiles, HTTPServer) async throws -> Void
) async throws {
    let pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("https-server"))
    defer { try? FileManager.default.removeItem(atPath: pki.directory) }
    let configuration = TLSServerConfiguration(
        certificateChainFile: pki.serverCertificateFile, privateKeyFile: pki.serverKeyFile,
        clientCertificates: policy(pki))
    let server = HTTPServer(
        listen: try SocketAddress.parse("127.0.0.1:0"), limits: limits, tls: try TLSServerContext(configuration),
        logger: .disabled, handler: tlsEchoHandler)
    let address = try server.start()
    do {
        try await body(address, pki, server)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

private func connectTLS(
    _ address: SocketAddress, pki: TestCertificateFiles, certificate: (file: String, key: String)? = nil
) async throws -> TLSConnection {
    var configuration = TLSClientConfiguration(trustedCAFile: pki.caCertificateFile)
    configuration.certificateChainFile = certificate?.file
    configuration.privateKeyFile = certificate?.key
    configuration.alpnProtocols = ["http/1.1"]
    let tcp = try await TCPConnection.connect(to: address, timeout: .seconds(60))
    return try await TLSConnection.connect(tcp, context: try TLSClientContext(configuration), serverName: "localhost", timeout: .seconds(60))
}

private func getEcho(_ stream: any ByteStream) async throws -> TLSEcho? {
    try await getEcho(RawHTTPClient(stream: stream))
}

private func getEcho(_ client: RawHTTPClient) async throws -> TLSEcho? {
    try await client.send("GET /who HTTP/1.1\r\nHost: localhost\r\n\r\n")
    guard let response = try await client.readResponse() else { return nil }
    return try JSONDecoder().decode(TLSEcho.self, from: Data(response.body))
}

/// HTTPServer over TLS with real certificates from `TestCertificateAuthority`.
@Suite struct TLSServerTests {
    @Test func servesHTTPSAndTellsHandlersTheConnectionIsSecure() async throws {
        try await withTLSServer { address, pki, server in
            #expect(server.scheme == "https")
            let client = RawHTTPClient(stream: try await connectTLS(address, pki: pki))
            let echo = try #require(try await getEcho(client))
            #expect(echo.secure)
            #expect(echo.version == "TLSv1.3")
            #expect(echo.alpn == "http/1.1")
            #expect(echo.subject == nil)
            #expect(!echo.verified)
            // keep-alive works over TLS too
            #expect(try await getEcho(client)?.secure == true)
            #expect(server.openConnections == 1)
        }
    }

    @Test func requireModeRefusesAClientWithoutCertificate() async throws {
        try await withTLSServer({ .require(trustedCAFile: $0.caCertificateFile) }) { address, pki, _ in
            // TLS 1.3: the client's handshake finishes before the server checks the certificate;
            // the refusal shows on the first read (an alert or the connection closed).
            let outcome: TLSEcho?
            do {
                let tls = try await connectTLS(address, pki: pki)
                defer { tls.close() }
                outcome = try await getEcho(tls)
            } catch {
                outcome = nil
            }
            #expect(outcome == nil)
            // With the certificate the same server answers and shows who it is.
            let tls = try await connectTLS(address, pki: pki, certificate: (pki.clientCertificateFile, pki.clientKeyFile))
            defer { tls.close() }
            let echo = try #require(try await getEcho(tls))
            #expect(echo.subject == "O=\(TestCertificateAuthority.clientOrganization),CN=\(TestCertificateAuthority.clientCommonName)"
                || echo.subject == "CN=\(TestCertificateAuthority.clientCommonName),O=\(TestCertificateAuthority.clientOrganization)")
            #expect(echo.thumbprint == pki.clientCertificate.sha256ThumbprintBase64URL)
            #expect(echo.verified)
        }
    }

    @Test func requestModeAcceptsASelfSignedCertificateAsUnverified() async throws {
        try await withTLSServer({ _ in .request(trustedCAFile: nil) }) { address, pki, _ in
            let selfSigned = try CertificateAuthority.selfSignedClientCertificate(commonName: "self-signed-client")
                .write(in: pki.directory, named: "self-signed")
            let tls = try await connectTLS(address, pki: pki, certificate: (selfSigned.certificateFile, selfSigned.keyFile))
            defer { tls.close() }
            let echo = try #require(try await getEcho(tls))
            #expect(echo.subject == "CN=self-signed-client")
            #expect(echo.thumbprint == (try TLSCertificate(pemFile: selfSigned.certificateFile)).sha256ThumbprintBase64URL)
            #expect(!echo.verified)
            // Without a certificate the handshake also succeeds in request mode.
            let anonymous = try await connectTLS(address, pki: pki)
            defer { anonymous.close() }
            #expect(try await getEcho(anonymous)?.subject == nil)
        }
    }

    @Test func silentClientIsDroppedAfterTheHandshakeTimeoutAndOthersAreServed() async throws {
        var limits = HTTPServerLimits()
        // 10 s: the good client's handshake below must also finish within it, and on a loaded
        // machine the server can see the client's Finished seconds after the client did (a 3 s
        // limit failed that way once in five full-suite runs). The test takes ~10 s, in parallel.
        limits.handshakeTimeout = .seconds(10)
        try await withTLSServer(limits: limits) { address, pki, _ in
            let silent = RawHTTPClient(stream: try await TCPConnection.connect(to: address, timeout: .seconds(60)))
            // Served while the silent one still holds its connection open.
            let tls = try await connectTLS(address, pki: pki)
            defer { tls.close() }
            #expect(try await getEcho(tls)?.secure == true)
            // Then the server closes the silent one (EOF), long before the 60 s failure bound.
            #expect(await silent.isClosedByServer(within: .seconds(60)))
        }
    }

    @Test func plainHTTPOnTheTLSPortIsClosedWithoutAnAnswer() async throws {
        try await withTLSServer { address, pki, _ in
            let plain = try await RawHTTPClient(address)
            try await plain.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try await plain.readResponse(timeout: .seconds(60)) == nil)
            let tls = try await connectTLS(address, pki: pki)
            defer { tls.close() }
            #expect(try await getEcho(tls)?.secure == true)
        }
    }

    @Test func plainServerRequestsAreNotSecure() async throws {
        let server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled, handler: tlsEchoHandler)
        let address = try server.start()
        #expect(server.scheme == "http")
        let echo = try #require(try await getEcho(try await TCPConnection.connect(to: address, timeout: .seconds(60))))
        #expect(!echo.secure)
        await server.shutdown()
    }
}
