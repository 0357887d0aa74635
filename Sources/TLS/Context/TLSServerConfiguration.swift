/// What a TLS server presents and what it asks of clients.
///
/// ```swift
/// var configuration = TLSServerConfiguration(certificateChainFile: "server.pem", privateKeyFile: "server.key")
/// configuration.clientCertificates = .require(trustedCAFile: "clients-ca.pem")
/// let context = try TLSServerContext(configuration)
/// ```
public struct TLSServerConfiguration: Sendable, Equatable {
    /// How a server treats client certificates.
    public enum ClientCertificatePolicy: Sendable, Equatable {
        /// Never asks for one.
        case none
        /// Asks for one; the handshake also succeeds without one, or with one that does not chain
        /// to `trustedCAFile` (or to anything, when nil: self-signed certificates as in RFC 8705
        /// `self_signed_tls_client_auth`). `TLSConnection.peerCertificateVerified` says whether
        /// it chained; the application decides what a certificate is worth.
        case request(trustedCAFile: String?)
        /// Insists on one that chains to `trustedCAFile`; the handshake fails otherwise
        /// (`TLSError.certificateRequired`, `.certificateUntrusted`, `.certificateExpired`).
        case require(trustedCAFile: String)
    }

    /// PEM: the server certificate first, then any intermediates.
    public var certificateChainFile: String
    /// PEM private key of the certificate (PKCS#8, RSA or EC), unencrypted.
    public var privateKeyFile: String
    /// Client certificates; `.none` by default.
    public var clientCertificates: ClientCertificatePolicy = .none
    /// ALPN protocols in preference order; a client offering none of them still connects
    /// (without ALPN). HTTP/1.1 by default.
    public var alpnProtocols: [String] = ["http/1.1"]
    /// TLS 1.2 by default.
    public var minimumVersion: TLSVersion = .v1_2
    /// The newest version offered; nil for the newest OpenSSL knows. Only `.v1_2` makes a
    /// difference: a TLS 1.2-only server, to test clients' `tlsMinimumVersion` against.
    public var maximumVersion: TLSVersion?

    public init(certificateChainFile: String, privateKeyFile: String, clientCertificates: ClientCertificatePolicy = .none) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
        self.clientCertificates = clientCertificates
    }
}
