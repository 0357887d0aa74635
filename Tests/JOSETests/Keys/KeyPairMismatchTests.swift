import JOSE
import Testing

/// Found by the `jose` fuzz target (Tests/Fuzzing/Seeds/jose/regression-ec-key-with-foreign-public-half):
/// a SEC1 key file whose stored public point is not the private scalar's loaded, so tokens
/// signed with it never verified against the JWK published for it.
@Suite("Private key PEM: public and private halves must match")
struct KeyPairMismatchTests {
    static let damagedSEC1 = """
-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIAVzte+BX8yDkIjUZlXh8kog9yz4+1azE0J/0v/SEIWSoAoGCCqGSM49
AwEHoUQDQgAEASJbiCXG0jUqfPLA+hGepcxam5KGYut52NfvVUOlOIsy+edRTl9+
JoXFgGqpXyS4Ml7G/C6akiVkmZ5ofD9ssw==
-----END EC PRIVATE KEY-----
"""

    @Test func aKeyWhosePublicHalfIsForeignIsRefused() {
        let error = #expect(throws: JOSEError.self) { try PrivateKey(pem: Self.damagedSEC1) }
        #expect(error?.kind == .invalidKey)
        #expect(error?.reason.contains("MHcCAQEE") == false)
    }

    @Test func matchingKeysStillLoadAndSignVerifiably() throws {
        for key in [try PrivateKey.generateP256(), try PrivateKey.generateRSA(bits: 2048)] {
            let loaded = try PrivateKey(pem: key.pemPKCS8())
            let token = try JWTSigner(key: loaded, keyID: "k").sign(claims: ["x": 1])
            try JWSVerifier(allowedAlgorithms: [loaded.defaultAlgorithm])
                .verify(CompactJWS.parse(token), key: PublicKey(jwk: loaded.publicJWK(keyID: "k")))
        }
    }
}
