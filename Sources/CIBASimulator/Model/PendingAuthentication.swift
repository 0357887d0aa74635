import Foundation
import JOSE

/// One accepted backchannel authentication request, keyed by its `auth_req_id`.
struct PendingAuthentication: Sendable {
    enum Phase: Sendable {
        case pending
        /// The script said no; later polls keep getting `access_denied`.
        case denied
        /// Tokens were issued; the `auth_req_id` is spent (`invalid_grant` from now on).
        case exchanged
    }

    var person: SimulatedPerson
    var scheme: IdentityScheme
    var masked: String
    var createdAt: Date
    var expiresAt: Date
    /// Seconds a client must leave between polls; grows by 5 with every `slow_down`.
    var requiredInterval: TimeInterval
    var lastPollAt: Date?
    /// Token requests received (any answer).
    var polls = 0
    /// Token requests answered by the person's script (interval violations excluded).
    var scriptedPolls = 0
    var phase: Phase = .pending
}

/// A signing key with its published JWK.
struct SigningKey: Sendable {
    var key: PrivateKey
    var keyID: String
    var jwk: JWK

    static func generateRSA() throws -> SigningKey {
        try SigningKey(key: PrivateKey.generateRSA(bits: 2048))
    }

    /// Wraps `key` with a fresh random `kid`. Throws for keys that cannot sign RS256.
    init(key: PrivateKey, keyID: String = RandomIdentifier.keyID()) throws {
        guard key.supportedAlgorithms.contains(.rs256) else {
            throw JOSEError(.invalidKey, "the simulator signs ID tokens with RS256: an RSA key is needed")
        }
        self.init(key: key, keyID: keyID, jwk: try key.publicJWK(keyID: keyID))
    }

    init(key: PrivateKey, keyID: String, jwk: JWK) {
        self.key = key
        self.keyID = keyID
        self.jwk = jwk
    }

    /// The key behind `.invalidSignature` tokens: one per process, never published.
    /// Generated on first use (RSA key generation costs CPU).
    static let rogue: PrivateKey? = try? PrivateKey.generateRSA(bits: 2048)

    func sign(_ claims: [String: JSONValue]) throws -> String {
        try JWTSigner(key: key, algorithm: .rs256, keyID: keyID).sign(claims: claims, type: "JWT")
    }
}
