import Foundation
import JOSE

/// The provider endpoints the client uses, from discovery and/or explicit settings.
public struct ProviderMetadata: Sendable, Equatable {
    public var issuer: URL
    public var backchannelAuthenticationEndpoint: URL
    public var tokenEndpoint: URL
    public var jwksURI: URL
    /// `backchannel_token_delivery_modes_supported`, when the document has it.
    public var deliveryModes: [String]?
    /// `token_endpoint_auth_methods_supported`, when the document has it.
    public var tokenEndpointAuthMethods: [String]?
    /// `id_token_signing_alg_values_supported`, when the document has it.
    public var idTokenSigningAlgorithms: [String]?
    /// False when all endpoints came from settings and no document was fetched.
    public var fromDiscovery: Bool

    /// The discovery URL for `issuer`: `issuer` + `/.well-known/openid-configuration`
    /// (a trailing slash on the issuer is not doubled).
    public static func discoveryURL(for issuer: URL) -> URL? {
        var text = issuer.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text + "/.well-known/openid-configuration")
    }

    /// Validates a discovery document against the settings.
    ///
    /// The document's `issuer` must equal the configured issuer exactly (OpenID Connect
    /// Discovery §4.3: anything else may be a mix-up attack); `poll` must be among the delivery
    /// modes when they are listed; every endpoint must pass the http(s) policy. Explicit
    /// settings override the document's endpoints.
    static func from(document: [String: JSONValue], settings: ProviderSettings) throws(CIBAFailure) -> ProviderMetadata {
        guard let issuerText = JSONText.string(document, "issuer") else {
            throw CIBAFailure(.configuration, "discovery document has no issuer")
        }
        guard issuerText == settings.issuer.absoluteString else {
            throw CIBAFailure(.configuration,
                "discovery issuer \(SafeText.sanitize(issuerText) ?? "") does not equal the configured issuer \(settings.issuer.absoluteString)")
        }
        func endpoint(_ key: String, override: URL?) throws(CIBAFailure) -> URL {
            if let override { return override }
            guard let text = JSONText.string(document, key) else {
                throw CIBAFailure(.configuration, "discovery document has no \(key)")
            }
            guard let url = URL(string: text) else {
                throw CIBAFailure(.configuration, "discovery \(key) is not a URL")
            }
            return url
        }
        let metadata = ProviderMetadata(
            issuer: settings.issuer,
            backchannelAuthenticationEndpoint: try endpoint("backchannel_authentication_endpoint", override: settings.backchannelEndpoint),
            tokenEndpoint: try endpoint("token_endpoint", override: settings.tokenEndpoint),
            jwksURI: try endpoint("jwks_uri", override: settings.jwksURI),
            deliveryModes: stringArray(document["backchannel_token_delivery_modes_supported"]),
            tokenEndpointAuthMethods: stringArray(document["token_endpoint_auth_methods_supported"]),
            idTokenSigningAlgorithms: stringArray(document["id_token_signing_alg_values_supported"]),
            fromDiscovery: true)
        if let modes = metadata.deliveryModes, !modes.contains("poll") {
            throw CIBAFailure(.configuration, "provider does not support the CIBA poll delivery mode")
        }
        try metadata.checkPolicy(settings.endpointPolicy)
        return metadata
    }

    /// Metadata from explicit settings only (all three endpoints given).
    static func fromSettings(_ settings: ProviderSettings) throws(CIBAFailure) -> ProviderMetadata? {
        guard let bc = settings.backchannelEndpoint, let token = settings.tokenEndpoint, let jwks = settings.jwksURI else {
            return nil
        }
        try settings.endpointPolicy.check(settings.issuer, role: "issuer")
        let metadata = ProviderMetadata(issuer: settings.issuer, backchannelAuthenticationEndpoint: bc, tokenEndpoint: token,
                                        jwksURI: jwks, deliveryModes: nil, tokenEndpointAuthMethods: nil,
                                        idTokenSigningAlgorithms: nil, fromDiscovery: false)
        try metadata.checkPolicy(settings.endpointPolicy)
        return metadata
    }

    func checkPolicy(_ policy: EndpointPolicy) throws(CIBAFailure) {
        try policy.check(backchannelAuthenticationEndpoint, role: "backchannel_authentication_endpoint")
        try policy.check(tokenEndpoint, role: "token_endpoint")
        try policy.check(jwksURI, role: "jwks_uri")
    }

    private static func stringArray(_ value: JSONValue?) -> [String]? {
        guard case .array(let items)? = value else { return nil }
        return items.compactMap { if case .string(let s) = $0 { s } else { nil } }
    }
}
