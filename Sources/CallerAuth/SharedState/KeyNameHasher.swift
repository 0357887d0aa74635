import COpenSSL

/// Turns personal numbers and caller ids into key names: `prefix + HMAC-SHA256(secret, kind:value)`
/// in hex, so the shared store never holds either in clear.
///
/// A plain hash would not do: Swedish and Norwegian personal numbers are a small space (about
/// 10^9 plausible values), and anyone who can read the store could hash them all and look
/// the keys up. With a secret key the names are useless without the secret. Every server
/// that shares state must use the same secret (`sharedState.keySecretFile`, or one derived
/// from the store's password); a different secret simply gives different, unshared keys.
public struct KeyNameHasher: Sendable {
    private let secret: [UInt8]

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// 64 hex characters for `value` in the namespace `kind` (`caller`, `number`).
    public func hash(_ value: String, kind: String) -> String {
        Self.hex(Self.hmacSHA256(key: secret, data: Array((kind + ":" + value).utf8)))
    }

    /// A key secret from a password and a label (HMAC-SHA256 with the label as message), so
    /// the secret is related to, but not equal to, the password.
    static func derive(from password: String, label: String) -> [UInt8] {
        hmacSHA256(key: Array(password.utf8), data: Array(label.utf8))
    }

    static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        // OpenSSL refuses a NULL key pointer; an empty key is valid HMAC (never configured: the loader requires one).
        let keyBytes = key.isEmpty ? [0] : key
        let result = keyBytes.withUnsafeBytes { k in
            data.withUnsafeBufferPointer { d in
                EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil, k.baseAddress, key.count, d.baseAddress, d.count, &out, out.count, &length)
            }
        }
        // EVP_Q_mac only fails when the default provider lacks HMAC-SHA256, which OpenSSL 3 always has.
        precondition(result != nil && length == 32, "OpenSSL HMAC-SHA256 is unavailable")
        return out
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
