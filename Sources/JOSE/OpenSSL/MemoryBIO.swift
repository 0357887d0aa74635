import COpenSSL

/// Small helpers for OpenSSL memory BIOs, freeing them on every path.
enum MemoryBIO {
    /// Runs `body` with a read-only BIO over `text`'s UTF-8 bytes.
    static func reading<T>(_ text: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { bytes = [0] }
        return try bytes.withUnsafeBytes { buffer -> T in
            // OpenSSL takes an Int32 length: a (PEM) text over 2 GiB is refused, not a trap.
            guard text.utf8.count <= Int(Int32.max) else { throw JOSEError.malformed("PEM text larger than 2 GiB") }
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(text.utf8.count)) else {
                throw OpenSSLErrors.error(.crypto, "cannot allocate a memory BIO")
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// Runs `write` against a fresh memory BIO and returns what it wrote as a string.
    static func writing(_ write: (OpaquePointer) -> Int32) throws -> String {
        guard let method = BIO_s_mem(), let bio = BIO_new(method) else {
            throw OpenSSLErrors.error(.crypto, "cannot allocate a memory BIO")
        }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw OpenSSLErrors.error(.crypto, "cannot encode key as PEM") }
        var data: UnsafeMutablePointer<CChar>?
        let length = ciba_bio_get_mem_data(bio, &data)
        guard length > 0, let data else { throw OpenSSLErrors.error(.crypto, "PEM encoder produced no output") }
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        return String(decoding: bytes, as: UTF8.self)
    }
}
