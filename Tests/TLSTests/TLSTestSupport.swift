import Foundation
import Sockets
import TLS

/// A loopback listener that runs the server side of one TLS connection with `serve`, and the
/// PKI for a test.
struct TLSPair {
    let pki: TestCertificateFiles

    init() throws {
        pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("tls-test"))
    }

    func serverContext(_ policy: TLSServerConfiguration.ClientCertificatePolicy = .none, certificate: (String, String)? = nil) throws -> TLSServerContext {
        var configuration = TLSServerConfiguration(
            certificateChainFile: certificate?.0 ?? pki.serverCertificateFile, privateKeyFile: certificate?.1 ?? pki.serverKeyFile)
        configuration.clientCertificates = policy
        return try TLSServerContext(configuration)
    }

    func clientContext(withClientCertificate: Bool = false, caFile: String? = nil, alpn: [String] = []) throws -> TLSClientContext {
        var configuration = TLSClientConfiguration(trustedCAFile: caFile ?? pki.caCertificateFile)
        if withClientCertificate {
            configuration.certificateChainFile = pki.clientCertificateFile
            configuration.privateKeyFile = pki.clientKeyFile
        }
        configuration.alpnProtocols = alpn
        return try TLSClientContext(configuration)
    }
}

/// Accepts one connection, hands it to `server` in a task, runs `client` against it and returns
/// both results. The server's result is awaited (no sleeps).
func withOneConnection<S: Sendable, C>(
    server: @escaping @Sendable (TCPConnection) async throws -> S,
    client: (SocketAddress) async throws -> C
) async throws -> (server: Result<S, any Error>, client: Result<C, any Error>) {
    let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
    defer { listener.close() }
    let serverTask = Task { () -> Result<S, any Error> in
        do {
            let tcp = try await listener.accept()
            return .success(try await server(tcp))
        } catch {
            return .failure(error)
        }
    }
    let clientResult: Result<C, any Error>
    do {
        clientResult = .success(try await client(listener.localAddress))
    } catch {
        clientResult = .failure(error)
    }
    return (await serverTask.value, clientResult)
}

extension Result {
    var error: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
    var tlsKind: TLSError.Kind? { (error as? TLSError)?.kind }
}

/// The client side of the certificate tests: a handshake with `serverName` (default
/// `localhost`), then the first bytes the server writes. Under TLS 1.3 a refusal by the server
/// can arrive only after the client's handshake is done, so the read is where it shows.
func connectAndRead(_ address: SocketAddress, context: TLSClientContext, serverName: String = "localhost") async throws -> [UInt8] {
    let tls = try await TLSConnection.connect(
        try await TCPConnection.connect(to: address), context: context, serverName: serverName, timeout: .seconds(120))
    defer { tls.close() }
    return try await tls.read(maxBytes: 10, timeout: .seconds(120))
}

/// The server side of the certificate tests: a handshake, one byte written, and what the server
/// learned of the client's certificate.
func acceptAndWrite(_ byte: UInt8, _ tcp: TCPConnection, context: TLSServerContext) async throws -> (certificate: TLSCertificate?, verified: Bool) {
    let tls = try await TLSConnection.accept(tcp, context: context, timeout: .seconds(120))
    defer { tls.close() }
    try await tls.write([byte], timeout: .seconds(120))
    return (tls.peerCertificate, tls.peerCertificateVerified)
}
