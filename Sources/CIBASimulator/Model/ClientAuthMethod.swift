/// OAuth client authentication methods the simulated provider accepts
/// (`token_endpoint_auth_methods_supported`).
public enum ClientAuthMethod: String, Sendable, CaseIterable, Hashable, Codable {
    /// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
    case clientSecretBasic = "client_secret_basic"
    /// `client_id` and `client_secret` in the form body.
    case clientSecretPost = "client_secret_post"
    /// A JWT signed with the client's private key (RFC 7523, OIDC Core §9).
    case privateKeyJWT = "private_key_jwt"
    /// RFC 8705 §2.1: a CA-issued client certificate whose subject DN is the registered one
    /// (`SimulatorConfiguration.tlsClientAuthSubjectDN`); `client_id` in the body.
    case tlsClientAuth = "tls_client_auth"
    /// RFC 8705 §2.2: a self-signed client certificate registered by its SHA-256 thumbprint
    /// (`SimulatorConfiguration.selfSignedCertificateThumbprints`); `client_id` in the body.
    case selfSignedTLSClientAuth = "self_signed_tls_client_auth"
}
