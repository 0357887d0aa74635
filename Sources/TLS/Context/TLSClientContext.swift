import COpenSSL

/// A configured OpenSSL client context (`SSL_CTX`), shared by every connection made with it.
///
/// Files are loaded here, once: a missing CA file or a client key that does not match its
/// certificate fails with a `TLSError.configuration` naming the file.
public final class TLSClientContext: @unchecked Sendable {
    // @unchecked Sendable invariant: `context` is fully set up in init and never changed
    // afterwards; OpenSSL allows SSL_new on one SSL_CTX from many threads at once.
    let context: OpaquePointer
    /// What it was built from.
    public let configuration: TLSClientConfiguration

    public init(_ configuration: TLSClientConfiguration) throws {
        self.configuration = configuration
        let context = try SSLContextSetup.makeContext(server: false, minimumVersion: configuration.minimumVersion)
        do {
            if configuration.trustedCAFile != nil || configuration.trustedCADirectory != nil {
                try SSLContextSetup.trust(context, caFile: configuration.trustedCAFile, caDirectory: configuration.trustedCADirectory)
            } else if SSL_CTX_set_default_verify_paths(context) != 1 {
                throw OpenSSLErrorQueue.error(.configuration, "cannot load the system's trusted CA certificates")
            }
            switch (configuration.certificateChainFile, configuration.privateKeyFile) {
            case let (chain?, key?):
                try SSLContextSetup.useCertificate(context, chainFile: chain, keyFile: key)
            case (nil, nil):
                break
            case (.some, nil):
                throw TLSError(.configuration, "a client certificate file needs its private key file")
            case (nil, .some):
                throw TLSError(.configuration, "a client private key file needs its certificate file")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            let wire = try SSLContextSetup.alpnWireFormat(configuration.alpnProtocols)
            if !wire.isEmpty, SSL_CTX_set_alpn_protos(context, wire, UInt32(wire.count)) != 0 {  // 0 = success here
                throw OpenSSLErrorQueue.error(.configuration, "cannot set the ALPN protocols")
            }
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        self.context = context
    }

    /// A context that does NOT verify the server: only for `TLSCertificateProbe`, which looks
    /// at the presented certificate to explain a failure and sends nothing.
    init(unverifiedProbe: Void) throws {
        configuration = TLSClientConfiguration()
        context = try SSLContextSetup.makeContext(server: false, minimumVersion: .v1_2)
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
    }

    deinit { SSL_CTX_free(context) }
}
