import JOSE

/// Unguessable identifiers (auth_req_id, access tokens) from the system CSPRNG.
enum RandomIdentifier {
    /// 32 random bytes, base64url: for `auth_req_id`.
    static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Base64URL.encode(bytes)
    }

    /// A random lowercase UUID string (access tokens, `sessionindex`), like Idura's.
    static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte -> String in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
        let c = Array(hex)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
    }

    /// 20 random bytes as uppercase hex: a key id shaped like Idura's certificate thumbprints.
    static func keyID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in
            let text = String(UInt8.random(in: 0...255, using: &generator), radix: 16, uppercase: true)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }
}
