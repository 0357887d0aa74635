import CIBA
import CIBASimulator
import Foundation
import JOSE
import Sockets
import Testing
import TLS
import URLEncoding

/// The simulator over https with RFC 8705 client authentication, reached with the real
/// libcurl transport presenting real certificates.
final class MutualTLSSimulator: Sendable {
    let pki: TestCertificateFiles
    let clock = ManualSimulatorClock(start: Date())
    let provider: SimulatedProvider
    let issuer: URL

    init(_ policy: (TestCertificateFiles) -> TLSServerConfiguration.ClientCertificatePolicy,
         configure: (TestCertificateFiles, inout SimulatorConfiguration) throws -> Void) throws {
        pki = try TestCertificateAuthority.make(in: try TestCertificateAuthority.temporaryDirectory("sim-mtls"))
        var configuration = SimulatorConfiguration.demo
        configuration.signingKey = try SharedKeys.require(SharedKeys.providerRSA)
        configuration.clock = clock.clock
        configuration.tls = try TLSServerContext(TLSServerConfiguration(
            certificateChainFile: pki.serverCertificateFile, privateKeyFile: pki.serverKeyFile, clientCertificates: policy(pki)))
        try configure(pki, &configuration)
        provider = SimulatedProvider(configuration: configuration)
        issuer = try provider.start(listen: .parse("127.0.0.1:0"))
    }

    func stop() async {
        await provider.shutdown()
        try? FileManager.default.removeItem(atPath: pki.directory)
    }

    /// A form POST over TLS, presenting `certificate` when given, with `client_id` in the body.
    func post(_ path: String, _ form: [(String, String)], certificate: (certificateFile: String, keyFile: String)?,
              basicSecret: String? = nil) async throws -> (status: Int, json: [String: JSONValue]) {
        let transport = try CurlTransport(settings: TransportSettings(
            caFile: pki.caCertificateFile, clientCertificateFile: certificate?.certificateFile, clientKeyFile: certificate?.keyFile))
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        var fields = form
        if let basicSecret {
            let pair = FormURLEncoding.encodeComponent(SimulatorConfiguration.demoClientID) + ":" + FormURLEncoding.encodeComponent(basicSecret)
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        } else {
            fields.append(("client_id", SimulatorConfiguration.demoClientID))
        }
        let response = try await transport.send(HTTPTransportRequest(
            method: "POST", url: issuer.appendingPathComponent(String(path.dropFirst())), headers: headers,
            body: Array(FormURLEncoding.encode(fields).utf8), timeout: .seconds(60)))
        let json = (try? JSONValue.parse(response.body))?.objectValue ?? [:]
        return (response.status, json)
    }

    /// bc-authorize for the demo person, then polls (advancing the manual clock) until the
    /// answer is not `authorization_pending`.
    func verify(certificate: (certificateFile: String, keyFile: String)?, basicSecret: String? = nil) async throws -> (status: Int, json: [String: JSONValue]) {
        let started = try await post("/ciba/bc-authorize", [
            ("scope", "openid"), ("login_hint", "sub:ssn:\(SimulatedPerson.demoNumber)"), ("acr_values", "urn:grn:authn:se:bankid"),
        ], certificate: certificate, basicSecret: basicSecret)
        guard started.status == 200, let id = started.json["auth_req_id"]?.stringValue else { return started }
        for _ in 0..<30 {
            clock.advance(by: 2)
            let answer = try await post("/oauth2/token", [("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", id)],
                                        certificate: certificate, basicSecret: basicSecret)
            if answer.json["error"]?.stringValue != "authorization_pending" { return answer }
        }
        Issue.record("still pending after 30 polls")
        return (0, [:])
    }

    func idTokenClaims(_ json: [String: JSONValue]) throws -> [String: JSONValue] {
        try CompactJWS.parse(try #require(json["id_token"]?.stringValue)).claims()
    }
}

@Suite("simulator: RFC 8705 mutual-TLS client authentication")
struct MutualTLSClientAuthTests {
    @Test func tlsClientAuthWithTheRegisteredSubjectGetsACertificateBoundToken() async throws {
        let simulator = try MutualTLSSimulator({ .require(trustedCAFile: $0.caCertificateFile) }) { pki, configuration in
            configuration.tlsClientAuthSubjectDN = pki.clientCertificate.subject
        }
        let pki = simulator.pki
        let answer = try await simulator.verify(certificate: (pki.clientCertificateFile, pki.clientKeyFile))
        let methods = simulator.provider.requests.filter { $0.endpoint == .token || $0.endpoint == .backchannel }.map(\.clientAuth)
        await simulator.stop()
        #expect(answer.status == 200)
        let claims = try simulator.idTokenClaims(answer.json)
        #expect(claims["cnf"]?.objectValue?["x5t#S256"]?.stringValue == pki.clientCertificate.sha256ThumbprintBase64URL)
        #expect(claims["ssn"]?.stringValue == SimulatedPerson.demoNumber)
        #expect(!methods.isEmpty && methods.allSatisfy { $0 == .tlsClientAuth })
    }

    @Test func discoveryListsTheConfiguredRFC8705Methods() async throws {
        let simulator = try MutualTLSSimulator({ _ in .request(trustedCAFile: nil) }) { pki, configuration in
            configuration.tlsClientAuthSubjectDN = pki.clientCertificate.subject
        }
        let transport = try CurlTransport(settings: TransportSettings(caFile: simulator.pki.caCertificateFile))
        let response = try await transport.send(HTTPTransportRequest(
            method: "GET", url: simulator.issuer.appendingPathComponent(".well-known/openid-configuration"), timeout: .seconds(60)))
        await simulator.stop()
        #expect(simulator.issuer.scheme == "https")
        let metadata = try #require(try JSONValue.parse(response.body).objectValue)
        let methods = metadata["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap { $0.stringValue } ?? []
        #expect(methods.contains("tls_client_auth"))
        #expect(!methods.contains("self_signed_tls_client_auth"))  // no certificate registered for it
        #expect(metadata["tls_client_certificate_bound_access_tokens"] == JSONValue.bool(true))
    }

    @Test func tlsClientAuthRefusesAnotherSubjectAndAnUnverifiedCertificate() async throws {
        let simulator = try MutualTLSSimulator({ .request(trustedCAFile: $0.caCertificateFile) }) { pki, configuration in
            configuration.tlsClientAuthSubjectDN = pki.clientCertificate.subject
        }
        let pki = simulator.pki
        let other = try pki.authority.issueClientCertificate(commonName: "someone-else", organization: "ciba-agi test")
            .write(in: pki.directory, named: "other-client")
        // Same subject, but self-signed: it does not chain to the client CA.
        let lookalike = try CertificateAuthority.selfSignedClientCertificate(commonName: TestCertificateAuthority.clientCommonName)
            .write(in: pki.directory, named: "lookalike")
        let wrongSubject = try await simulator.verify(certificate: other)
        let unverified = try await simulator.verify(certificate: lookalike)
        let noCertificate = try await simulator.verify(certificate: nil)
        await simulator.stop()
        #expect(wrongSubject.status == 401)
        #expect(wrongSubject.json["error"]?.stringValue == "invalid_client")
        #expect(unverified.status == 401)
        #expect(noCertificate.status == 401)
    }

    @Test func selfSignedTLSClientAuthMatchesTheRegisteredThumbprint() async throws {
        let dir = try TestCertificateAuthority.temporaryDirectory("sim-selfsigned")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let registered = try CertificateAuthority.selfSignedClientCertificate(commonName: "registered").write(in: dir, named: "registered")
        let stranger = try CertificateAuthority.selfSignedClientCertificate(commonName: "registered").write(in: dir, named: "stranger")
        let thumbprint = try TLSCertificate(pemFile: registered.certificateFile).sha256ThumbprintBase64URL
        let simulator = try MutualTLSSimulator({ _ in .request(trustedCAFile: nil) }) { _, configuration in
            configuration.selfSignedCertificateThumbprints = [thumbprint]
        }
        let accepted = try await simulator.verify(certificate: registered)
        let refused = try await simulator.verify(certificate: stranger)
        let methods = simulator.provider.requests.filter { $0.endpoint == .token && $0.status == 200 }.map(\.clientAuth)
        await simulator.stop()
        #expect(accepted.status == 200)
        #expect(try simulator.idTokenClaims(accepted.json)["cnf"]?.objectValue?["x5t#S256"]?.stringValue == thumbprint)
        #expect(methods == [.selfSignedTLSClientAuth])
        #expect(refused.status == 401)
    }

    @Test func aSecretOverPlainServerTLSGetsNoCnf() async throws {
        let simulator = try MutualTLSSimulator({ _ in .none }) { _, _ in }
        let answer = try await simulator.verify(certificate: nil, basicSecret: SimulatorConfiguration.demoClientSecret)
        await simulator.stop()
        #expect(answer.status == 200)
        #expect(try simulator.idTokenClaims(answer.json)["cnf"] == nil)
    }
}
