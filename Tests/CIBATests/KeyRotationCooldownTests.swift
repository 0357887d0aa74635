import CIBA
import Foundation
import JOSE
import Testing

/// Issue 8 bug 2: a token signed with a freshly rotated key arriving within the refetch
/// cooldown waits for the cooldown to end (inside the request's lifetime) instead of failing;
/// made-up key ids still cause at most one JWKS fetch per cooldown. Manual clock throughout.
@Suite("JWKS refetch cooldown: wait, share, bound")
struct KeyRotationCooldownTests {
    static let expected = (name: "ssn", value: TestProvider.number)

    /// Primes the cache with k1 (one fetch), then rotates the provider to k2.
    func primed() async throws -> (TestProvider, BackchannelAuthenticator) {
        let provider = TestProvider()
        let auth = provider.authenticator()
        provider.transport.on("/oauth2/token", [TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims()))])
        _ = try await auth.pollForIdentity(try await provider.start(auth), expectedClaim: Self.expected) { _ in }
        #expect(provider.transport.requests(to: "/jwks").count == 1)
        provider.transport.on("/jwks", [.json(200, TestProvider.jwks([(TestKeys.rsa, "k1"), (TestKeys.rsaRotated, "k2")]))])
        return (provider, auth)
    }

    @Test("a rotated key within the cooldown: the request waits for the cooldown's end, refetches and is accepted")
    func rotatedKeyWithinTheCooldownIsAccepted() async throws {
        let (provider, auth) = try await primed()
        let firstFetch = try #require(provider.transport.requests(to: "/jwks").first).at
        provider.transport.on("/oauth2/token", [TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims(), key: TestKeys.rsaRotated, kid: "k2"))])
        let grant = try await provider.start(auth)
        let identity = try await auth.pollForIdentity(grant, expectedClaim: Self.expected) { _ in }
        #expect(identity.string("ssn") == TestProvider.number)
        let fetches = provider.transport.requests(to: "/jwks").map(\.at)
        #expect(fetches.count == 2)
        let tokenAnswered = try #require(provider.pollTimes.last)
        // The token came back well inside the cooldown; the refetch waited for its end.
        #expect(tokenAnswered - firstFetch < .seconds(30))
        #expect(fetches[1] - firstFetch >= .seconds(30))
        #expect(provider.logs.records.contains { $0.event == "ciba.jwks.refetch_delayed" })
    }

    @Test("when the cooldown ends after the request's expiry, no fetch and unknown_key")
    func cooldownBeyondTheDeadlineFailsWithoutFetching() async throws {
        let (provider, auth) = try await primed()
        provider.transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": .string(TestProvider.authReqID), "expires_in": 12])])
        provider.transport.on("/oauth2/token", [TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims(), key: TestKeys.rsaRotated, kid: "k2"))])
        let failure = await caught {
            _ = try await auth.pollForIdentity(try await provider.start(auth), expectedClaim: Self.expected) { _ in }
        }
        #expect(failure?.tokenProblem == "unknown_key")
        #expect(provider.transport.requests(to: "/jwks").count == 1)
        #expect(provider.logs.records.contains { $0.event == "ciba.jwks.refetch_suppressed" })
    }

    @Test("a stream of made-up kids, concurrent and sequential: at most one fetch per cooldown, all refused")
    func madeUpKidsCauseAtMostOneFetchPerCooldown() async throws {
        let (provider, auth) = try await primed()
        let start = provider.clock.now.offset
        let failures = await withTaskGroup(of: CIBAFailure?.self) { group in
            for index in 0..<12 {
                let token = TestProvider.sign(TestProvider.claims(), key: TestKeys.otherRSA, kid: "made-up-\(index)")
                group.addTask {
                    await caught {
                        let grant = try await provider.start(auth)
                        provider.transport.on("/oauth2/token", [TestProvider.tokenResponse(token)])
                        _ = try await auth.pollForIdentity(grant, expectedClaim: Self.expected) { _ in }
                    }
                }
            }
            var collected: [CIBAFailure?] = []
            for await failure in group { collected.append(failure) }
            return collected
        }
        #expect(failures.count == 12)
        #expect(failures.allSatisfy { $0?.tokenProblem == "unknown_key" })
        let fetches = provider.transport.requests(to: "/jwks").map(\.at)
        let elapsed = provider.clock.now.offset - start
        // One fetch per started cooldown at most. (Send times are not compared pairwise: with the
        // auto-advancing clock, other tasks' sleeps move time between the cooldown check and the
        // send; the sequential rotation test checks the spacing.)
        #expect(fetches.count >= 2)
        #expect(fetches.count - 1 <= 1 + Int(elapsed / .seconds(30)))
        #expect(fetches.count - 1 < 12)
    }
}
