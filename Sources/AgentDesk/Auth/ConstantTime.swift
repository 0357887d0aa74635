import COpenSSL

/// Comparisons of secrets (password hashes, CSRF tokens, token hashes) whose time does not
/// depend on where the inputs differ, through OpenSSL's `CRYPTO_memcmp`.
enum ConstantTime {
    /// True when both have the same bytes. Different lengths return false at once: every
    /// secret compared here has a fixed, public length, so the length leaks nothing.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return CRYPTO_memcmp(a, b, a.count) == 0
    }

    static func equal(_ a: String, _ b: String) -> Bool { equal(Array(a.utf8), Array(b.utf8)) }
}
