import COpenSSL
import Glibc

/// Building blocks shared by the server and client contexts. Every failure is a
/// `TLSError.configuration` naming the file and what is wrong with it.
enum SSLContextSetup {
    /// A fresh context with our floor: the minimum version, no renegotiation, no tickets, no
    /// compression.
    static func makeContext(server: Bool, minimumVersion: TLSVersion) throws -> OpaquePointer {
        guard let method = server ? TLS_server_method() : TLS_client_method(), let context = SSL_CTX_new(method) else {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot create a TLS context")
        }
        let versionSet = minimumVersion == .v1_3 ? ciba_ssl_ctx_set_min_tls13(context) : ciba_ssl_ctx_set_min_tls12(context)
        guard versionSet == 1 else {
            SSL_CTX_free(context)
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot set the minimum TLS version")
        }
        _ = SSL_CTX_set_options(context, ciba_ssl_op_hardening())
        return context
    }

    /// Checks that `path` names a readable file, for a clearer message than OpenSSL's.
    static func requireReadableFile(_ path: String, _ what: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw TLSError(.configuration, "\(what) \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw TLSError(.configuration, "\(what) \(path) is not a regular file") }
        guard access(path, R_OK) == 0 else { throw TLSError(.configuration, "\(what) \(path) is not readable") }
    }

    /// Certificate chain + matching private key.
    static func useCertificate(_ context: OpaquePointer, chainFile: String, keyFile: String) throws {
        try requireReadableFile(chainFile, "certificate file")
        try requireReadableFile(keyFile, "private key file")
        guard SSL_CTX_use_certificate_chain_file(context, chainFile) == 1 else {
            throw OpenSSLErrorQueue.error(.configuration, "certificate file \(chainFile) holds no usable PEM certificate")
        }
        guard SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1 else {
            let text = OpenSSLErrorQueue.drainText() ?? ""
            if text.contains("key values mismatch") {
                throw TLSError(.configuration, "private key \(keyFile) does not belong to the certificate in \(chainFile)")
            }
            throw TLSError(.configuration, "private key file \(keyFile) holds no usable unencrypted PEM key (\(text))")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw OpenSSLErrorQueue.error(.configuration, "private key \(keyFile) does not belong to the certificate in \(chainFile)")
        }
    }

    /// Trusted CAs from a file and/or a directory; at least one certificate must load.
    static func trust(_ context: OpaquePointer, caFile: String?, caDirectory: String?) throws {
        if let caFile { try requireReadableFile(caFile, "CA file") }
        if let caDirectory {
            var info = stat()
            guard stat(caDirectory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw TLSError(.configuration, "CA directory \(caDirectory) does not exist or is not a directory")
            }
        }
        guard SSL_CTX_load_verify_locations(context, caFile, caDirectory) == 1 else {
            throw OpenSSLErrorQueue.error(.configuration, "CA file \(caFile ?? caDirectory ?? "") holds no usable PEM certificate")
        }
    }

    /// ALPN's wire format: each name prefixed by its length (1...255 bytes).
    static func alpnWireFormat(_ protocols: [String]) throws -> [UInt8] {
        var wire: [UInt8] = []
        for name in protocols {
            let bytes = Array(name.utf8)
            guard (1...255).contains(bytes.count) else { throw TLSError(.configuration, "ALPN protocol name '\(name)' must be 1 to 255 bytes") }
            wire.append(UInt8(bytes.count))
            wire.append(contentsOf: bytes)
        }
        return wire
    }
}
