import Sockets

/// Setting up a connection: the handshake, bounded by one deadline.
extension TLSConnection {
    /// Server side: runs the handshake with a client that connected to us.
    ///
    /// Throws `TLSError` (`.handshakeTimedOut` for a silent or slow client, `.protocolViolation`
    /// for garbage or plain HTTP, `.certificateRequired` / `.certificateUntrusted` under
    /// `.require`), or `CancellationError`. On any failure the TCP connection is closed (after
    /// sending OpenSSL's alert, if it made one).
    public static func accept(_ tcp: TCPConnection, context: TLSServerContext, timeout: Duration) async throws -> TLSConnection {
        let engine: TLSEngine
        do {
            engine = try TLSEngine(context: context.context, server: true, peerName: "client at \(tcp.peerAddress)")
        } catch {
            tcp.close()
            throw error
        }
        return try await handshake(tcp, engine: engine, timeout: timeout)
    }

    /// Client side: SNI and host-name verification for `serverName` (a DNS name, or an IP
    /// address, which is then matched against the certificate's IP SANs), then the handshake.
    ///
    /// Throws `TLSError` (`.certificateUntrusted`, `.hostnameMismatch`, `.certificateExpired`,
    /// `.refusedByPeer` when the server does not accept our client certificate,
    /// `.handshakeTimedOut`...), or `CancellationError`. On failure the TCP connection is closed.
    public static func connect(
        _ tcp: TCPConnection, context: TLSClientContext, serverName: String, timeout: Duration
    ) async throws -> TLSConnection {
        let engine: TLSEngine
        do {
            engine = try TLSEngine(context: context.context, server: false, peerName: TLSEngine.unbracketed(serverName))
            try engine.expectServer(named: TLSEngine.unbracketed(serverName))
        } catch {
            tcp.close()
            throw error
        }
        return try await handshake(tcp, engine: engine, timeout: timeout)
    }

    private static func handshake(_ tcp: TCPConnection, engine: TLSEngine, timeout: Duration) async throws -> TLSConnection {
        let deadline = ContinuousClock.now + timeout
        let timedOut = TLSError(.handshakeTimedOut, "TLS handshake with \(engine.peerName) did not finish within \(timeout)")
        do {
            while true {
                let step = engine.handshake()
                let output = engine.takeOutput()
                if case let .failed(error) = step {
                    // Best effort: let the peer see OpenSSL's alert before we go.
                    if !output.isEmpty { try? await tcp.write(output, timeout: min(.seconds(1), max(.milliseconds(1), deadline - .now))) }
                    throw error
                }
                if !output.isEmpty {
                    try await tcp.write(output, timeout: try remaining(until: deadline, else: timedOut))
                }
                if step == .done { return TLSConnection(transport: tcp, engine: engine) }
                let bytes = try await tcp.read(maxBytes: 65_536, timeout: try remaining(until: deadline, else: timedOut))
                if bytes.isEmpty {
                    throw TLSError(.closedDuringHandshake, "\(engine.peerName) closed the connection during the TLS handshake")
                }
                engine.feed(bytes)
            }
        } catch let error as SocketError {
            tcp.close()
            switch error.kind {
            case .timedOut: throw timedOut
            case .closed: throw TLSError(.closedDuringHandshake, "\(engine.peerName) closed the connection during the TLS handshake")
            default: throw error
            }
        } catch {
            tcp.close()
            throw error
        }
    }

    private static func remaining(until deadline: ContinuousClock.Instant, else error: TLSError) throws -> Duration {
        let left = deadline - .now
        guard left > .zero else { throw error }
        return left
    }
}
