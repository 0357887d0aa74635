import TLS

/// What the TLS handshake of a request's connection established, for handlers that decide on
/// it: RFC 8705 client authentication looks at `clientCertificate` (subject DN, SHA-256
/// thumbprint) and `clientCertificateVerified`; a login answer marks its cookie `Secure`.
///
/// Holds only public facts (the certificate, never a key).
public struct HTTPRequestTLS: Sendable, Equatable {
    /// The client's certificate (leaf), when it presented one.
    public var clientCertificate: TLSCertificate?
    /// Whether `clientCertificate` chained to the server's client CA at the handshake.
    /// False for a self-signed one accepted in `.request` mode.
    public var clientCertificateVerified: Bool
    /// `TLSv1.3` or `TLSv1.2`.
    public var protocolVersion: String
    /// The ALPN protocol agreed on (`http/1.1`), if any.
    public var negotiatedProtocol: String?

    public init(clientCertificate: TLSCertificate?, clientCertificateVerified: Bool, protocolVersion: String, negotiatedProtocol: String?) {
        self.clientCertificate = clientCertificate
        self.clientCertificateVerified = clientCertificateVerified
        self.protocolVersion = protocolVersion
        self.negotiatedProtocol = negotiatedProtocol
    }

    /// The facts of an established server-side connection.
    public init(_ connection: TLSConnection) {
        self.init(clientCertificate: connection.peerCertificate, clientCertificateVerified: connection.peerCertificateVerified,
                  protocolVersion: connection.protocolVersion, negotiatedProtocol: connection.negotiatedProtocol)
    }
}
