import JOSE

/// How the client proves its identity at the backchannel and token endpoints.
///
/// `description` never prints the secret or key material, so settings can be logged.
public enum ClientAuthentication: Sendable, CustomStringConvertible {
    /// `client_secret_basic`: `Authorization: Basic base64(urlencode(id):urlencode(secret))`
    /// (RFC 6749 §2.3.1; the form-encoding before base64 matters for ids/secrets with `:`, `%`, spaces).
    case clientSecretBasic(secret: String)
    /// `client_secret_post`: `client_id` and `client_secret` in the form body (Transmit style).
    case clientSecretPost(secret: String)
    /// `private_key_jwt` (RFC 7523): a short-lived JWT signed with our RS256/ES256 key (Idura recommends it).
    case privateKeyJWT(key: PrivateKey, keyID: String?)
    /// `tls_client_auth` (RFC 8705 §2.1): the client certificate (PKI, issued by a CA the
    /// provider trusts) is the credential; `client_id` goes in the form body, no secret.
    /// Needs ``TransportSettings/clientCertificateFile``.
    case tlsClientAuth
    /// `self_signed_tls_client_auth` (RFC 8705 §2.2): like ``tlsClientAuth`` with a self-signed
    /// certificate the provider has registered for the client.
    case selfSignedTLSClientAuth

    /// The OAuth method name: `client_secret_basic`, `client_secret_post` or `private_key_jwt`.
    public var methodName: String {
        switch self {
        case .clientSecretBasic: "client_secret_basic"
        case .clientSecretPost: "client_secret_post"
        case .privateKeyJWT: "private_key_jwt"
        case .tlsClientAuth: "tls_client_auth"
        case .selfSignedTLSClientAuth: "self_signed_tls_client_auth"
        }
    }

    public var description: String { methodName }

    /// The secret, if this method uses one (for redaction).
    /// Whether every request needs new credentials: a `private_key_jwt` assertion carries a
    /// fresh `jti` and `iat`; the other methods send the same thing each time, so the polls
    /// of one grant can share one encoded request.
    var isFreshPerRequest: Bool {
        if case .privateKeyJWT = self { return true }
        return false
    }

    var secret: String? {
        switch self {
        case .clientSecretBasic(let secret), .clientSecretPost(let secret): secret
        case .privateKeyJWT, .tlsClientAuth, .selfSignedTLSClientAuth: nil
        }
    }
}

/// The `aud` of a `private_key_jwt` client assertion.
///
/// RFC 7523 lets the server decide; OpenID Connect servers usually accept the issuer, some
/// want the exact endpoint URL the assertion is sent to, a few want something else.
public enum AssertionAudience: Sendable, Equatable {
    /// The configured issuer URL (default; what Idura accepts).
    case issuer
    /// The URL of the endpoint the request goes to (bc-authorize or token).
    case endpoint
    /// A fixed string.
    case custom(String)
}
