import COpenSSL

/// PEM reading and writing. Labels are checked before OpenSSL sees the text so that an
/// encrypted key gets a clear error instead of a prompt or an opaque decoder failure.
extension EVPKey {
    /// PEM labels accepted for private keys: PKCS#8, PKCS#1 (RSA) and SEC1 (EC).
    static let privateKeyLabels: Set<String> = ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]

    /// The labels of all `-----BEGIN X-----` lines in `pem`, in order.
    static func pemLabels(_ pem: String) -> [String] {
        var labels = [String]()
        for line in pem.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingWhitespace()
            guard trimmed.hasPrefix("-----BEGIN "), trimmed.hasSuffix("-----"), trimmed.count > 16 else { continue }
            labels.append(String(trimmed.dropFirst(11).dropLast(5)))
        }
        return labels
    }

    /// Reads a private key (PKCS#8, PKCS#1 or SEC1) from PEM text.
    /// - Throws: ``JOSEError/Kind/invalidKey`` for encrypted keys, other PEM types or unparsable input.
    static func privateKey(pem: String) throws -> EVPKey {
        let labels = pemLabels(pem)
        if labels.contains("ENCRYPTED PRIVATE KEY") || pem.contains("Proc-Type: 4,ENCRYPTED") {
            throw JOSEError.invalidKey("encrypted private keys are not supported; decrypt the key file first (e.g. openssl pkey -in key.pem -out plain.pem)")
        }
        guard labels.contains(where: { privateKeyLabels.contains($0) }) else {
            throw JOSEError.invalidKey("no PEM private key found (expected BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE KEY)")
        }
        let key: OpaquePointer? = try MemoryBIO.reading(pem) { bio in
            // A password callback that supplies no password: never prompt on a terminal.
            PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let key else { throw OpenSSLErrors.error(.invalidKey, "cannot parse the PEM private key") }
        return EVPKey(owning: key)
    }

    /// Reads a public key from PEM text: SPKI (`BEGIN PUBLIC KEY`) or the key of an X.509 `BEGIN CERTIFICATE`.
    static func publicKey(pem: String) throws -> EVPKey {
        let labels = pemLabels(pem)
        if labels.contains("PUBLIC KEY") {
            let key: OpaquePointer? = try MemoryBIO.reading(pem) { bio in
                PEM_read_bio_PUBKEY(bio, nil, { _, _, _, _ in 0 }, nil)
            }
            guard let key else { throw OpenSSLErrors.error(.invalidKey, "cannot parse the PEM public key") }
            return EVPKey(owning: key)
        }
        if labels.contains("CERTIFICATE") {
            let certificate: OpaquePointer? = try MemoryBIO.reading(pem) { bio in
                PEM_read_bio_X509(bio, nil, { _, _, _, _ in 0 }, nil)
            }
            guard let certificate else { throw OpenSSLErrors.error(.invalidKey, "cannot parse the PEM certificate") }
            defer { X509_free(certificate) }
            guard let key = X509_get_pubkey(certificate) else {
                throw OpenSSLErrors.error(.invalidKey, "certificate has no usable public key")
            }
            return EVPKey(owning: key)
        }
        throw JOSEError.invalidKey("no PEM public key found (expected BEGIN PUBLIC KEY or BEGIN CERTIFICATE)")
    }

    /// The private key as unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    func privateKeyPKCS8PEM() throws -> String {
        try MemoryBIO.writing { bio in
            PEM_write_bio_PKCS8PrivateKey(bio, pointer, nil, nil, 0, nil, nil)
        }
    }

    /// The public key as SPKI PEM (`BEGIN PUBLIC KEY`).
    func publicKeySPKIPEM() throws -> String {
        try MemoryBIO.writing { bio in
            PEM_write_bio_PUBKEY(bio, pointer)
        }
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var result = self
        while let first = result.first, first.isWhitespace { result = result.dropFirst() }
        while let last = result.last, last.isWhitespace { result = result.dropLast() }
        return result
    }
}
