import COpenSSL

/// One-shot message digests through `EVP_Digest` (JWK thumbprints, the agent desk's token hashes).
public enum Digest {
    public static func sha256(_ data: [UInt8]) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_Digest(data, data.count, &output, &length, EVP_sha256(), nil) == 1 else {
            throw OpenSSLErrors.error(.crypto, "SHA-256 failed")
        }
        return Array(output.prefix(Int(length)))
    }
}
