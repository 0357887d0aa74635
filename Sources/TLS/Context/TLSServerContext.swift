import COpenSSL

/// A configured OpenSSL server context (`SSL_CTX`), shared by every connection it accepts.
///
/// Loading happens once, here, so a bad certificate or key file fails at start-up with a
/// `TLSError.configuration` naming the file, not at the first client.
public final class TLSServerContext: @unchecked Sendable {
    // @unchecked Sendable invariant: `context` and `alpn` are fully set up in init and never
    // changed afterwards; OpenSSL allows SSL_new on one SSL_CTX from many threads at once.
    let context: OpaquePointer
    private let alpn: UnsafeMutableBufferPointer<UInt8>?
    /// What it was built from.
    public let configuration: TLSServerConfiguration

    public init(_ configuration: TLSServerConfiguration) throws {
        self.configuration = configuration
        let context = try SSLContextSetup.makeContext(server: true, minimumVersion: configuration.minimumVersion)
        do {
            try SSLContextSetup.useCertificate(context, chainFile: configuration.certificateChainFile, keyFile: configuration.privateKeyFile)
            if configuration.maximumVersion == .v1_2, ciba_ssl_ctx_set_max_tls12(context) != 1 {
                throw OpenSSLErrorQueue.error(.internalFailure, "cannot set the maximum TLS version")
            }
            try Self.configureClientCertificates(context, configuration.clientCertificates)
            // Client certificates and session resumption need a session id context.
            let sessionContext = Array("ciba-agi".utf8)
            _ = SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))
            _ = SSL_CTX_set_num_tickets(context, 0)
            let wire = try SSLContextSetup.alpnWireFormat(configuration.alpnProtocols)
            if wire.isEmpty {
                alpn = nil
            } else {
                // A zero length byte ends the list for the callback.
                let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: wire.count + 1)
                _ = buffer.initialize(from: wire + [0])
                alpn = buffer
                SSL_CTX_set_alpn_select_cb(context, Self.selectALPN, UnsafeMutableRawPointer(buffer.baseAddress))
            }
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        self.context = context
    }

    deinit {
        SSL_CTX_free(context)
        alpn?.deallocate()
    }

    private static func configureClientCertificates(_ context: OpaquePointer, _ policy: TLSServerConfiguration.ClientCertificatePolicy) throws {
        switch policy {
        case .none:
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        case let .request(caFile):
            if let caFile {
                try SSLContextSetup.trust(context, caFile: caFile, caDirectory: nil)
                if let names = SSL_load_client_CA_file(caFile) { SSL_CTX_set_client_CA_list(context, names) }
            }
            // Accept whatever arrives; the verification result stays readable for the application.
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER) { _, _ in 1 }
        case let .require(caFile):
            try SSLContextSetup.trust(context, caFile: caFile, caDirectory: nil)
            if let names = SSL_load_client_CA_file(caFile) { SSL_CTX_set_client_CA_list(context, names) }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
        }
    }

    /// Picks the first of our protocols the client offers; none in common is not fatal.
    private static let selectALPN: @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, UnsafeMutablePointer<UInt8>?,
        UnsafePointer<UInt8>?, UInt32, UnsafeMutableRawPointer?
    ) -> Int32 = { _, out, outLength, offered, offeredLength, argument in
        guard let out, let outLength, let offered, let argument else { return SSL_TLSEXT_ERR_NOACK }
        let ours = argument.assumingMemoryBound(to: UInt8.self)
        var position = 0
        // Our list: walk it in preference order and look each name up in the client's list.
        while true {
            let length = Int(ours[position])
            if length == 0 { break }
            var offset = 0
            while offset < Int(offeredLength) {
                let theirLength = Int(offered[offset])
                if offset + 1 + theirLength > Int(offeredLength) { break }
                if theirLength == length, memcmp(ours + position + 1, offered + offset + 1, length) == 0 {
                    out.pointee = offered + offset + 1
                    outLength.pointee = UInt8(length)
                    return SSL_TLSEXT_ERR_OK
                }
                offset += 1 + theirLength
            }
            position += 1 + length
        }
        return SSL_TLSEXT_ERR_NOACK
    }
}
