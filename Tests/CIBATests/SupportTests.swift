import URLEncoding
import CIBA
import Foundation
import Testing

@Suite("Clocks and support")
struct SupportTests {
    @Test("ScaledClock runs faster than real time and sleeps to its deadline")
    func scaledClock() async throws {
        let clock = ScaledClock(factor: 100)
        let start = clock.now
        try await clock.sleep(for: .seconds(2))
        #expect(start.duration(to: clock.now) >= .seconds(2))
        #expect(ScaledClock(factor: 0).factor == 1)
    }

    @Test("ManualClock sleepers wake only when time passes their deadline")
    func manualClock() async throws {
        let clock = ManualClock(autoAdvance: false)
        let task = Task { try await clock.sleep(for: .seconds(5)) }
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(4))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await task.value
        #expect(clock.sleeperCount == 0)
    }

    @Test("SHA-256 test helper matches the FIPS 180-2 vector")
    func sha256Vector() {
        let digest = SHA256ForTest.hash(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite("Recording transport")
struct RecordingTransportTests {
    @Test("summaries show endpoints, harmless parameters and statuses, never secrets")
    func summaries() async throws {
        let provider = TestProvider()
        let recorder = RecordingTransport(wrapping: provider.transport)
        provider.transport.on("/oauth2/token", [TestProvider.pending, TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims()))])
        let auth = BackchannelAuthenticator(settings: TestProvider.settings(.clientSecretPost(secret: TestProvider.secret)),
                                            transport: recorder, clock: provider.clock, logger: .disabled)
        _ = try await auth.pollForIdentity(try await provider.start(auth), expectedClaim: nil) { _ in }
        let lines = recorder.exchanges.map(\.description)
        #expect(lines.count == 5)
        #expect(lines[1].hasPrefix("POST /ciba/bc-authorize [scope=openid login_hint=… acr_values=urn:grn:authn:se:bankid"))
        #expect(lines[2].hasSuffix("-> 400 authorization_pending"))
        for line in lines {
            #expect(!line.contains(TestProvider.secret) && !line.contains(TestProvider.number) && !line.contains(TestProvider.authReqID))
        }
    }
}
