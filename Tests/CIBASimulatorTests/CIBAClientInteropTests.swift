import CIBA
import CIBASimulator
import Foundation
import JOSE
import StructuredLogging
import Testing

/// The team's real CIBA client (module CIBA, libcurl transport) against the simulator,
/// one test per outcome. Time runs 5× faster on both sides (ScaledClock for the client,
/// the same scaled time as the simulator's clock), so Idura's 120 s expiry takes 24 s.
/// (40× and 10× were tried: on a loaded 2-core machine seconds of scheduling delay became
/// minutes of provider time and expired requests and client assertions.)
@Suite struct CIBAClientInteropTests {
    static let factor = 5.0

    /// Scaled wall-clock time shared by the client (assertions, token checks) and the simulator.
    final class ScaledWallClock: Sendable {
        let origin = Date()
        let start = ContinuousClock.now
        var now: Date {
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return origin.addingTimeInterval(seconds * CIBAClientInteropTests.factor)
        }
    }

    struct Setup {
        let provider: SimulatedProvider
        let authenticator: BackchannelAuthenticator
    }

    func withClient(
        authentication: (PrivateKey, PrivateKey) -> ClientAuthentication = { _, _ in .clientSecretBasic(secret: SimulatorConfiguration.demoClientSecret) },
        requestTimeout: Duration = .seconds(60),  // a failure bound only
        _ body: (Setup) async throws -> Void
    ) async throws {
        let wall = ScaledWallClock()
        let rsa = try SharedKeys.require(SharedKeys.clientRSA)
        let ec = try SharedKeys.require(SharedKeys.clientEC)
        var configuration = SimulatorConfiguration.demo
        configuration.clock = SimulatorClock { wall.now }
        configuration.interval = 5  // Idura-like; 5 s scaled = 125 ms real
        configuration.signingKey = try SharedKeys.require(SharedKeys.providerRSA)
        configuration.clientJWKs = [try rsa.publicJWK(keyID: "client-rsa"), try ec.publicJWK(keyID: "client-ec")]
        configuration.noAnswerDelay = .seconds(30)
        let provider = SimulatedProvider(configuration: configuration)
        let issuer = try provider.start(listen: .parse("127.0.0.1:0"))
        let settings = ProviderSettings(
            issuer: issuer, clientID: SimulatorConfiguration.demoClientID, authentication: authentication(rsa, ec),
            requestTimeout: requestTimeout)
        let authenticator = BackchannelAuthenticator(
            settings: settings, transport: try CurlTransport(), clock: ScaledClock(factor: Self.factor),
            logger: .disabled, wallClock: { wall.now })
        do {
            try await body(Setup(provider: provider, authenticator: authenticator))
        } catch {
            await provider.shutdown()
            throw error
        }
        await provider.shutdown()
    }

    func authenticate(_ setup: Setup, _ number: String, acr: String = "urn:grn:authn:se:bankid", claim: String = "ssn") async throws -> VerifiedIdentity {
        let grant = try await setup.authenticator.start(BackchannelRequest(hint: .loginHint("sub:ssn:\(number)"), acrValues: acr))
        return try await setup.authenticator.pollForIdentity(grant, expectedClaim: (claim, number), onEvent: { _ in })
    }

    func failure(_ setup: Setup, _ number: String, acr: String = "urn:grn:authn:se:bankid") async -> CIBAFailure? {
        do {
            _ = try await authenticate(setup, number, acr: acr)
            return nil
        } catch {
            return error as? CIBAFailure
        }
    }

    @Test(arguments: ["basic", "post", "jwt-rs256", "jwt-es256"])
    func ternePaulsenIsVerifiedWithEveryClientAuthentication(method: String) async throws {
        try await withClient(authentication: { rsa, ec in
            switch method {
            case "post": .clientSecretPost(secret: SimulatorConfiguration.demoClientSecret)
            case "jwt-rs256": .privateKeyJWT(key: rsa, keyID: "client-rsa")
            case "jwt-es256": .privateKeyJWT(key: ec, keyID: "client-ec")
            default: .clientSecretBasic(secret: SimulatorConfiguration.demoClientSecret)
            }
        }) { setup in
            let identity = try await authenticate(setup, SimulatedPerson.demoNumber)
            #expect(identity.string("ssn") == "196802020575")
            #expect(identity.string("name") == "Terne Paulsen")
            #expect(identity.polls == 3)
            let tokenPolls = setup.provider.requests.filter { $0.endpoint == .token }
            #expect(tokenPolls.count == 3)
            #expect(tokenPolls.allSatisfy { $0.error != "slow_down" })  // the client honours the interval
            #expect(Set(tokenPolls.compactMap(\.clientAuth?.rawValue)).count == 1)
        }
    }

    @Test func mikkelGetsAWordPairAndIsVerifiedBySocialNo() async throws {
        try await withClient { setup in
            let grant = try await setup.authenticator.start(
                BackchannelRequest(hint: .loginHint("sub:ssn:27034698436"), acrValues: "urn:grn:authn:no:bankid"))
            #expect(grant.bindingMessage?.split(separator: " ").count == 2)
            #expect(grant.expiresIn == 900)
            let identity = try await setup.authenticator.pollForIdentity(grant, expectedClaim: ("socialno", "27034698436"), onEvent: { _ in })
            #expect(identity.string("birthdate") == "1946-03-27")
        }
    }

    @Test func scriptedSlowDownIsHonouredAndThenVerified() async throws {
        try await withClient { setup in
            let identity = try await authenticate(setup, "199003039832")
            #expect(identity.string("name") == "Sixten Sakta")
            #expect(setup.provider.requests.filter { $0.endpoint == .token }.compactMap(\.error) == ["slow_down", "authorization_pending"])
        }
    }

    @Test func typedFailuresForTheScriptedOutcomes() async throws {
        try await withClient { setup in
            #expect(await failure(setup, "199001019810")?.kind == .accessDenied)
            #expect(await failure(setup, "15868540033", acr: "urn:grn:authn:no:bankid")?.kind == .accessDenied)
            #expect(await failure(setup, "199002029826")?.kind == .expired)
            #expect(await failure(setup, "199004049848")?.kind == .unknownUser)
            #expect(await failure(setup, "199005059853")?.kind == .identityMismatch)
            #expect(await failure(setup, "199006069869")?.kind == .tokenInvalid)
        }
    }

    @Test func faultyProviderAnswersEndAsProviderErrors() async throws {
        try await withClient { setup in
            let html = await failure(setup, "199007079875")
            #expect(html?.kind == .providerError)
            #expect(html?.status == 500)
            let garbage = await failure(setup, "199008089881")
            #expect(garbage?.kind == .providerError)
        }
        // A provider that never answers: only the request timeout ends the wait.
        try await withClient(requestTimeout: .seconds(4)) { setup in
            let silent = await failure(setup, "199009099897")
            #expect(silent?.kind == .unreachable)
        }
    }

    @Test func wrongSecretIsAConfigurationError() async throws {
        try await withClient(authentication: { _, _ in .clientSecretBasic(secret: "not-the-secret") }) { setup in
            let failure = await failure(setup, SimulatedPerson.demoNumber)
            #expect(failure?.kind == .configuration)
            #expect(failure?.description.contains("not-the-secret") == false)
        }
    }
}
