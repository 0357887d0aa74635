import CIBASimulator
import Foundation
import JOSE
import Testing

@Suite struct DiscoveryTests {
    @Test func discoveryDocumentNamesTheEndpointsAndCapabilities() async throws {
        try await withSimulator { sim in
            let response = try await sim.get("/.well-known/openid-configuration")
            #expect(response.status == 200)
            let json = try #require(response.json)
            let issuer = sim.issuer.absoluteString
            #expect(json["issuer"]?.stringValue == issuer)
            #expect(!issuer.hasSuffix("/"))
            #expect(json["backchannel_authentication_endpoint"]?.stringValue == issuer + "/ciba/bc-authorize")
            #expect(json["token_endpoint"]?.stringValue == issuer + "/oauth2/token")
            #expect(json["jwks_uri"]?.stringValue == issuer + "/.well-known/jwks")
            func strings(_ name: String) -> [String] { json[name]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            #expect(strings("backchannel_token_delivery_modes_supported") == ["poll"])
            #expect(Set(strings("token_endpoint_auth_methods_supported")) == ["client_secret_basic", "client_secret_post", "private_key_jwt"])
            #expect(strings("id_token_signing_alg_values_supported") == ["RS256"])
            #expect(strings("grant_types_supported").contains("urn:openid:params:grant-type:ciba"))
            #expect(Set(strings("acr_values_supported")) == ["urn:grn:authn:se:bankid", "urn:grn:authn:no:bankid", "urn:grn:authn:se:frejaid"])
        }
    }

    @Test func jwksPublishesOneRS256KeyAndRotationReplacesIt() async throws {
        try await withSimulator { sim in
            let first = try await sim.fetchJWKS()
            #expect(first.keys.count == 1)
            let key = try #require(first.keys.first)
            #expect(key.kty == "RSA")
            #expect(key.alg == "RS256")
            #expect(key.use == "sig")
            #expect(key.kid == sim.provider.currentKeyID)
            #expect(key.n != nil && key.e != nil)

            try sim.provider.rotateSigningKey()
            let second = try await sim.fetchJWKS()
            #expect(second.keys.count == 1)
            #expect(second.keys.first?.kid != key.kid)

            try sim.provider.rotateSigningKey(keepPrevious: true)
            let third = try await sim.fetchJWKS()
            #expect(third.keys.map(\.kid) == [sim.provider.currentKeyID, second.keys.first?.kid])
        }
    }

    @Test func wrongMethodsAndPathsAreRefused() async throws {
        try await withSimulator { sim in
            let unknownPath = try await sim.get("/nope")
            let getToken = try await sim.get("/oauth2/token")
            let postJWKS = try await sim.post("/.well-known/jwks", [], auth: .none)
            #expect(unknownPath.status == 404)
            #expect(getToken.status == 405)
            #expect(postJWKS.status == 405)
            #expect(sim.provider.requests.map(\.status) == [404, 405, 405])
        }
    }
}
