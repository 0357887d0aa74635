/// What a TLS client trusts and what it presents.
///
/// The server's certificate is always verified (chain and host name); there is no switch to
/// turn that off.
public struct TLSClientConfiguration: Sendable, Equatable {
    /// PEM file of trusted CA certificates. With neither this nor `trustedCADirectory`, the
    /// system's default trust store (Debian: /etc/ssl/certs) is used.
    public var trustedCAFile: String?
    /// A directory of hashed CA certificates (`c_rehash` / `openssl rehash` layout).
    public var trustedCADirectory: String?
    /// PEM client certificate (then intermediates) for mutual TLS; needs `privateKeyFile`.
    public var certificateChainFile: String?
    /// PEM private key of the client certificate, unencrypted.
    public var privateKeyFile: String?
    /// ALPN protocols to offer, in preference order; none by default.
    public var alpnProtocols: [String] = []
    /// TLS 1.2 by default.
    public var minimumVersion: TLSVersion = .v1_2

    public init(
        trustedCAFile: String? = nil, trustedCADirectory: String? = nil,
        certificateChainFile: String? = nil, privateKeyFile: String? = nil
    ) {
        self.trustedCAFile = trustedCAFile
        self.trustedCADirectory = trustedCADirectory
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
    }
}
