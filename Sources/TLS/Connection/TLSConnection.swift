import COpenSSL
import Sockets

/// TLS over a non-blocking `TCPConnection`, server or client side, with the same async
/// contract as the plain connection (`ByteStream`).
///
/// ```swift
/// // server
/// let tls = try await TLSConnection.accept(tcp, context: serverContext, timeout: .seconds(10))
/// // client
/// let tcp = try await TCPConnection.connect(to: address)
/// let tls = try await TLSConnection.connect(tcp, context: clientContext, serverName: "redis.example.org", timeout: .seconds(10))
/// try await tls.write(Array("PING\r\n".utf8), timeout: .seconds(5))
/// let reply = try await tls.read(maxBytes: 4096, timeout: .seconds(5))
/// ```
///
/// OpenSSL works between memory BIOs (`TLSEngine`); no thread ever blocks in OpenSSL and the
/// socket stays on the shared epoll loop. Errors: `TLSError` for anything TLS (handshake,
/// certificates, a corrupt record), `SocketError` for the transport underneath (timeouts,
/// resets), `CancellationError` on cancellation. A connection whose TLS state failed stays
/// failed. Reading returns `[]` after the peer's close_notify, and also when the peer just
/// closes TCP (HTTP and RESP frame their own messages, so a truncation is visible to them).
public final class TLSConnection: ByteStream {
    private let transport: TCPConnection
    private let engine: TLSEngine
    private let turns = WriteTurns()

    /// The peer's certificate (leaf), if it sent one.
    public let peerCertificate: TLSCertificate?
    /// Whether `peerCertificate` chained to a trusted CA at the handshake. Always true for a
    /// client (the handshake fails otherwise) and for a server in `.require` mode; in
    /// `.request` mode a self-signed or foreign certificate is accepted with `false` here.
    public let peerCertificateVerified: Bool
    /// The ALPN protocol both ends agreed on (`http/1.1`), if any.
    public let negotiatedProtocol: String?
    /// `TLSv1.3` or `TLSv1.2`.
    public let protocolVersion: String

    /// The remote end.
    public var peerAddress: SocketAddress { transport.peerAddress }
    /// The local end.
    public var localAddress: SocketAddress { transport.localAddress }

    init(transport: TCPConnection, engine: TLSEngine) {
        self.transport = transport
        self.engine = engine
        let facts = engine.withSSL { ssl -> (TLSCertificate?, Bool, String?, String) in
            var certificate: TLSCertificate?
            if let x509 = SSL_get1_peer_certificate(ssl) {
                certificate = TLSCertificate(x509: x509)
                X509_free(x509)
            }
            let verified = certificate != nil && SSL_get_verify_result(ssl) == Int(X509_V_OK)
            var alpn: UnsafePointer<UInt8>?
            var alpnLength: UInt32 = 0
            SSL_get0_alpn_selected(ssl, &alpn, &alpnLength)
            let negotiated = alpn.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(alpnLength)), as: UTF8.self) }
            let version = SSL_get_version(ssl).map { String(cString: $0) } ?? "TLS"
            return (certificate, verified, negotiated, version)
        }
        (peerCertificate, peerCertificateVerified, negotiatedProtocol, protocolVersion) = facts
    }

    // MARK: - ByteStream

    /// Reads up to `maxBytes` (1...65,536) of plaintext; `[]` at the end of the stream.
    public func read(maxBytes: Int = 65_536, timeout: Duration? = nil) async throws -> [UInt8] {
        let limit = max(1, min(maxBytes, 65_536))
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            let step = engine.read(maxBytes: limit)
            // Reading can produce output (an alert, a key update answer): send it in turn.
            if engine.hasOutput { try await sendPendingOutput(timeout: deadline.map { $0 - ContinuousClock.now } ?? .seconds(10)) }
            switch step {
            case let .data(bytes):
                return bytes
            case .closed:
                return []
            case let .failed(error):
                throw error
            case .wantRead:
                var remaining: Duration?
                if let deadline {
                    remaining = deadline - ContinuousClock.now
                    guard remaining! > .zero else { throw SocketError(.timedOut, "read timed out") }
                }
                let ciphertext = try await transport.read(maxBytes: 65_536, timeout: remaining)
                if ciphertext.isEmpty { return [] }
                engine.feed(ciphertext)
            }
        }
    }

    /// Encrypts and writes all of `bytes`. Writers are served in call order.
    public func write(_ bytes: [UInt8], timeout: Duration? = nil) async throws {
        if bytes.isEmpty { return }
        try await turns.acquire()
        defer { turns.release() }
        let ciphertext = try engine.encrypt(bytes)
        try await transport.write(ciphertext, timeout: timeout)
    }

    /// Sends close_notify (at most 2 s), then half-closes TCP. Reading goes on.
    public func shutdownWrite() async {
        do {
            try await turns.acquire()
        } catch {
            return
        }
        defer { turns.release() }
        let alert = engine.closeNotify()
        if !alert.isEmpty { try? await transport.write(alert, timeout: .seconds(2)) }
        transport.shutdownWrite()
    }

    /// Closes at once (no close_notify). Pending reads and writes fail. Idempotent.
    public func close() {
        engine.fail(TLSError(.connectionFailed, "the TLS connection is closed"))
        turns.close()
        transport.close()
    }

    /// Whether `close()` was called (or the transport closed).
    public var isClosed: Bool { transport.isClosed }

    private func sendPendingOutput(timeout: Duration) async throws {
        try await turns.acquire()
        defer { turns.release() }
        let output = engine.takeOutput()
        if !output.isEmpty { try await transport.write(output, timeout: max(timeout, .milliseconds(1))) }
    }
}
