import URLEncoding
import Foundation
import JOSE

/// Adds client authentication to one token-endpoint or bc-authorize request.
struct ClientAuthenticator: Sendable {
    let clientID: String
    let method: ClientAuthentication
    let issuer: URL
    let audience: AssertionAudience
    let assertionLifetime: Duration
    let now: @Sendable () -> Date

    static let assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    /// Returns the extra headers and appends the extra form fields for a request to `endpoint`.
    func apply(to fields: inout [(String, String)], endpoint: URL) throws(CIBAFailure) -> [(String, String)] {
        switch method {
        case .clientSecretBasic(let secret):
            return [("Authorization", ClientAuthenticator.basicHeader(clientID: clientID, secret: secret))]
        case .clientSecretPost(let secret):
            fields.append(("client_id", clientID))
            fields.append(("client_secret", secret))
            return []
        case .privateKeyJWT(let key, let keyID):
            fields.append(("client_assertion_type", ClientAuthenticator.assertionType))
            fields.append(("client_assertion", try assertion(key: key, keyID: keyID, endpoint: endpoint)))
            return []
        case .tlsClientAuth, .selfSignedTLSClientAuth:
            // RFC 8705 §2: the TLS client certificate authenticates; the body names the client.
            fields.append(("client_id", clientID))
            return []
        }
    }

    /// `Basic base64(formencode(id) ":" formencode(secret))` (RFC 6749 §2.3.1).
    static func basicHeader(clientID: String, secret: String) -> String {
        let pair = FormURLEncoding.encodeComponent(clientID) + ":" + FormURLEncoding.encodeComponent(secret)
        return "Basic " + Data(pair.utf8).base64EncodedString()
    }

    /// A fresh RFC 7523 client assertion: `iss` = `sub` = client id, `aud`, random `jti`,
    /// `iat` now, `exp` = `iat` + lifetime (at most 5 minutes).
    func assertion(key: PrivateKey, keyID: String?, endpoint: URL) throws(CIBAFailure) -> String {
        let lifetime = min(max(Double(assertionLifetime.components.seconds), 1), JWTSigner.maximumAssertionLifetime)
        let aud: String = switch audience {
        case .issuer: issuer.absoluteString
        case .endpoint: endpoint.absoluteString
        case .custom(let value): value
        }
        do {
            return try JWTSigner(key: key, algorithm: nil, keyID: keyID)
                .signClientAssertion(clientID: clientID, audience: aud, now: now(), lifetime: lifetime)
        } catch {
            throw CIBAFailure(.configuration, "cannot sign the client assertion with the configured key")
        }
    }
}
