import Foundation
import CIBA
import JOSE

/// Builds `provider` (issuer, client id, credentials, endpoints) for `ConfigurationLoader`.
enum ProviderLoader {
    static let keys = ["issuer", "clientId", "clientAuth", "privateKeyFile", "keyId", "clientSecret", "clientSecretFile",
                       "allowInsecureHTTP", "requestTimeoutSeconds", "backchannelEndpoint", "tokenEndpoint", "jwksURI", "$comment"]
        + ProviderTransportLoader.keys

    static func build(_ value: ConfigValue?, baseDirectory: String, environment: [String: String], reader: inout ConfigReader) -> ProviderConfiguration? {
        guard let value else {
            reader.problem("provider", "missing: the OpenID provider (issuer, clientId, clientAuth, credentials)")
            return nil
        }
        guard let p = reader.object(value, path: "provider", allowed: keys) else { return nil }
        let allowInsecure = reader.bool(p, "allowInsecureHTTP", path: "provider") ?? false

        var issuerText = reader.string(p, "issuer", path: "provider")
        var issuerPath = "provider.issuer"
        if let env = environment["CIBA_AGI_ISSUER"], !env.isEmpty { issuerText = env; issuerPath = "CIBA_AGI_ISSUER" }
        var issuer: URL? = nil
        if let issuerText {
            issuer = url(issuerText, path: issuerPath, allowInsecure: allowInsecure, reader: &reader)
        } else {
            reader.problem("provider.issuer", "missing (or set CIBA_AGI_ISSUER)")
        }

        var clientID = reader.string(p, "clientId", path: "provider")
        if let env = environment["CIBA_AGI_CLIENT_ID"], !env.isEmpty { clientID = env }
        if clientID?.isEmpty ?? true { reader.problem("provider.clientId", "missing (or set CIBA_AGI_CLIENT_ID)") }

        let keyFile = reader.string(p, "privateKeyFile", path: "provider").map { ConfigurationLoader.resolve($0, baseDirectory) }
        let keyID = reader.string(p, "keyId", path: "provider")
        let clientAuth = reader.string(p, "clientAuth", path: "provider") ?? (keyFile != nil ? "private_key_jwt" : "client_secret_basic")

        var authentication: ClientAuthentication? = nil
        switch clientAuth {
        case "private_key_jwt":
            if let keyFile {
                if let key = privateKey(keyFile, reader: &reader) {
                    authentication = .privateKeyJWT(key: key, keyID: keyID)
                }
            } else {
                reader.problem("provider.privateKeyFile", "missing: private_key_jwt needs a PEM private key (RSA or P-256)")
            }
        case "client_secret_basic", "client_secret_post":
            if let secret = secret(p, baseDirectory: baseDirectory, environment: environment, reader: &reader) {
                authentication = clientAuth == "client_secret_basic" ? .clientSecretBasic(secret: secret) : .clientSecretPost(secret: secret)
            }
        case "tls_client_auth":
            authentication = .tlsClientAuth
        case "self_signed_tls_client_auth":
            authentication = .selfSignedTLSClientAuth
        default:
            reader.problem("provider.clientAuth", "\"\(clientAuth)\" is not supported (client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth, self_signed_tls_client_auth)")
        }

        let transport = ProviderTransportLoader.build(p, baseDirectory: baseDirectory, reader: &reader)
        if clientAuth.hasSuffix("tls_client_auth") && p["clientCertificateFile"] == nil {
            reader.problem("provider.clientCertificateFile", "missing: clientAuth \(clientAuth) (RFC 8705) authenticates with the client certificate")
        }
        let timeout = reader.integer(p, "requestTimeoutSeconds", path: "provider", range: 1...300) ?? 10
        var endpoints: [String: URL] = [:]
        for key in ["backchannelEndpoint", "tokenEndpoint", "jwksURI"] {
            if let text = reader.string(p, key, path: "provider") {
                endpoints[key] = url(text, path: "provider.\(key)", allowInsecure: allowInsecure, reader: &reader)
            }
        }

        guard let issuer, let clientID, !clientID.isEmpty, let authentication else { return nil }
        return ProviderConfiguration(
            issuer: issuer, clientID: clientID, authentication: authentication, transport: transport,
            allowInsecureHTTP: allowInsecure, requestTimeoutSeconds: timeout,
            backchannelEndpoint: endpoints["backchannelEndpoint"], tokenEndpoint: endpoints["tokenEndpoint"],
            jwksURI: endpoints["jwksURI"])
    }

    /// An https URL, or http to a loopback host / with `allowInsecureHTTP`.
    static func url(_ text: String, path: String, allowInsecure: Bool, reader: inout ConfigReader) -> URL? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            reader.problem(path, "\"\(text)\" is not an absolute URL")
            return nil
        }
        switch scheme {
        case "https": return url
        case "http":
            if ConfigurationLoader.isLoopbackHost(host) || allowInsecure { return url }
            reader.problem(path, "http:// is refused for a non-loopback host; use https:// (or set provider.allowInsecureHTTP for a lab)")
            return nil
        default:
            reader.problem(path, "\"\(text)\": only https:// URLs are supported")
            return nil
        }
    }

    /// The client secret: environment, else `clientSecretFile`, else `clientSecret`.
    static func secret(_ p: [String: ConfigValue], baseDirectory: String, environment: [String: String], reader: inout ConfigReader) -> String? {
        let file = reader.string(p, "clientSecretFile", path: "provider").map { ConfigurationLoader.resolve($0, baseDirectory) }
        let inline = reader.string(p, "clientSecret", path: "provider")
        if let env = environment["CIBA_AGI_CLIENT_SECRET"], !env.isEmpty { return env }
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                reader.problem("provider.clientSecretFile", "\(file) cannot be read")
                return nil
            }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { reader.problem("provider.clientSecretFile", "\(file) is empty") }
            return text.isEmpty ? nil : text
        }
        if let inline, !inline.isEmpty { return inline }
        reader.problem("provider.clientSecretFile", "missing client secret: set CIBA_AGI_CLIENT_SECRET, provider.clientSecretFile or provider.clientSecret")
        return nil
    }

    static func privateKey(_ file: String, reader: inout ConfigReader) -> PrivateKey? {
        guard let data = FileManager.default.contents(atPath: file) else {
            let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read (permissions?)" : "does not exist"
            reader.problem("provider.privateKeyFile", "\(file) \(reason)")
            return nil
        }
        do {
            return try PrivateKey(pem: String(decoding: data, as: UTF8.self))
        } catch {
            reader.problem("provider.privateKeyFile", "\(file) is not a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC)")
            return nil
        }
    }
}
