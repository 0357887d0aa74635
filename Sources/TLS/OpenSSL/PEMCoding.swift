import COpenSSL

/// PEM reading and writing for certificates and private keys through memory BIOs, freeing
/// everything on every path. Failures are `TLSError.configuration` with OpenSSL's reason text.
enum PEMCoding {
    /// The first certificate in `pem`. The caller frees it (`X509_free`).
    static func readCertificate(_ pem: String) throws -> OpaquePointer {
        try reading(pem) { bio in
            guard let x509 = PEM_read_bio_X509(bio, nil, nil, nil) else {
                throw OpenSSLErrorQueue.error(.configuration, "no PEM certificate found")
            }
            return x509
        }
    }

    /// The first private key in `pem` (unencrypted). The caller frees it (`EVP_PKEY_free`).
    static func readPrivateKey(_ pem: String) throws -> OpaquePointer {
        try reading(pem) { bio in
            guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
                throw OpenSSLErrorQueue.error(.configuration, "no unencrypted PEM private key found")
            }
            return key
        }
    }

    static func certificatePEM(_ x509: OpaquePointer) throws -> String {
        try writing { PEM_write_bio_X509($0, x509) }
    }

    /// PKCS#8 (`BEGIN PRIVATE KEY`), unencrypted.
    static func privateKeyPEM(_ key: OpaquePointer) throws -> String {
        try writing { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }
    }

    /// Everything written into a memory BIO, as text.
    static func contents(of bio: OpaquePointer) -> String {
        var data: UnsafeMutablePointer<CChar>?
        let length = ciba_bio_get_mem_data(bio, &data)
        guard length > 0, let data else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    private static func reading<T>(_ text: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { buffer -> T in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buffer.count)) else {
                throw OpenSSLErrorQueue.error(.internalFailure, "cannot allocate a memory BIO")
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    private static func writing(_ write: (OpaquePointer) -> Int32) throws -> String {
        guard let method = BIO_s_mem(), let bio = BIO_new(method) else {
            throw OpenSSLErrorQueue.error(.internalFailure, "cannot allocate a memory BIO")
        }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw OpenSSLErrorQueue.error(.internalFailure, "cannot encode as PEM") }
        return contents(of: bio)
    }
}
