import Foundation
import JOSE

/// A bearer token for a CRM integration: `cad_` + 32 random bytes (base64url). Only its
/// SHA-256 is stored (`sha256$HEX` in the agents file), so the file never holds a usable
/// token; the token itself is printed once, when it is made.
public struct APIToken: Sendable, Equatable {
    /// A label chosen by the admin (`crm-sync`); revocation names it.
    public var label: String
    /// The agent the token acts as (the audit record's initiator).
    public var agent: String
    /// SHA-256 of the token text.
    let digest: [UInt8]

    static let prefix = "cad_"

    init(label: String, agent: String, digest: [UInt8]) {
        self.label = label
        self.agent = agent
        self.digest = digest
    }

    /// A new token: the text to hand out once, and the entry to store.
    public static func make(label: String, agent: String) throws -> (token: String, entry: APIToken) {
        let token = prefix + Base64URL.encode(try SecureRandom.bytes(count: 32))
        return (token, APIToken(label: label, agent: agent, digest: try Digest.sha256(Array(token.utf8))))
    }

    /// `sha256$` + lower-case hex.
    var encodedDigest: String { "sha256$" + digest.map { String(format: "%02x", $0) }.joined() }

    static func parseDigest(_ text: String) -> [UInt8]? {
        guard text.hasPrefix("sha256$") else { return nil }
        let hex = Array(text.dropFirst("sha256$".count).utf8)
        guard hex.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var index = 0
        while index < hex.count {
            guard let high = hexValue(hex[index]), let low = hexValue(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// True when `presented` is this token (constant-time on the digests).
    func matches(presentedDigest: [UInt8]) -> Bool { ConstantTime.equal(presentedDigest, digest) }
}
