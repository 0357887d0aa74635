import CIBA
import Foundation
import JOSE
import Testing

@Suite("Polling the token endpoint")
struct PollingTests {
    let expected = (name: "ssn", value: TestProvider.number)

    @Test("honours the provider's interval: first poll after one interval, never faster")
    func intervalHonoured() async throws {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": .string(TestProvider.authReqID), "expires_in": 120, "interval": 3])])
        provider.transport.on("/oauth2/token", [TestProvider.pending, TestProvider.pending, TestProvider.pending,
                                                TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims()))])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        #expect(grant.interval == 3)
        let identity = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in }
        #expect(identity.polls == 4)
        #expect(identity.string("ssn") == TestProvider.number)
        #expect(provider.pollTimes == [.seconds(3), .seconds(6), .seconds(9), .seconds(12)])
    }

    @Test("no interval in the answer means 5 seconds")
    func defaultInterval() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [TestProvider.pending, TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims()))])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        #expect(grant.interval == nil)
        _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in }
        #expect(provider.pollTimes == [.seconds(5), .seconds(10)])
    }

    @Test("slow_down adds 5 s for this and every later poll")
    func slowDownIsPermanent() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [TestProvider.pending, TestProvider.slowDown, TestProvider.pending,
                                                TestProvider.slowDown, TestProvider.pending,
                                                TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims()))])
        let events = EventLog()
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { events.append($0) }
        // 5 (pending) → +5 = 10 (slow_down → 10 s) → 20 (pending) → 30 (slow_down → 15 s) → 45 → 60
        #expect(provider.pollTimes == [.seconds(5), .seconds(10), .seconds(20), .seconds(30), .seconds(45), .seconds(60)])
        #expect(events.events.contains(.slowDown(newInterval: .seconds(10), poll: 2)))
        #expect(events.events.contains(.slowDown(newInterval: .seconds(15), poll: 4)))
        let gaps = zip(provider.pollTimes.dropFirst(), provider.pollTimes).map { $0 - $1 }
        #expect(gaps.allSatisfy { $0 >= .seconds(5) })
    }

    @Test("authorization_pending descriptions are passed up as progress")
    func pendingDescriptions() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [
            TestProvider.error("authorization_pending", "awaiting first user interaction"),
            TestProvider.error("authorization_pending", "awaiting user request acknowledgement"),
            TestProvider.error("authorization_pending"),
            TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims())),
        ])
        let events = EventLog()
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { events.append($0) }
        #expect(events.events == [
            .pending(description: "awaiting first user interaction", poll: 1),
            .pending(description: "awaiting user request acknowledgement", poll: 2),
            .pending(description: nil, poll: 3),
        ])
    }

    @Test("expires_in is never exceeded: no poll at or after the deadline")
    func expiryNeverExceeded() async throws {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": .string(TestProvider.authReqID), "expires_in": 12, "interval": 5])])
        provider.transport.on("/oauth2/token", [TestProvider.pending])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .expired)
        #expect(failure?.polls == 2)
        #expect(provider.pollTimes == [.seconds(5), .seconds(10)])
        #expect(provider.clock.now.offset <= .seconds(12))
    }

    @Test("a sleep that wakes up past the deadline ends as expired instead of spinning", .timeLimit(.minutes(1)))
    func lateWakeUpPastTheDeadline() async throws {
        let provider = TestProvider(overshoot: .seconds(8))
        provider.transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": .string(TestProvider.authReqID), "expires_in": 12, "interval": 5])])
        provider.transport.on("/oauth2/token", [TestProvider.pending])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .expired)
        #expect(provider.pollTimes.isEmpty)
    }

    @Test("a deadline hit by slow_down stops polling too")
    func slowDownIntoExpiry() async throws {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": .string(TestProvider.authReqID), "expires_in": 14, "interval": 5])])
        provider.transport.on("/oauth2/token", [TestProvider.slowDown])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .expired)
        #expect(provider.pollTimes == [.seconds(5)])
    }

    @Test("access_denied ends polling as denied")
    func denial() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [TestProvider.pending, TestProvider.error("access_denied", "user declined")])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .accessDenied)
        #expect(failure?.code == "access_denied")
        #expect(failure?.providerErrorDescription == "user declined")
        #expect(failure?.polls == 2)
        #expect(provider.pollTimes.count == 2)
    }

    @Test("expired_token ends polling as expired")
    func expiredToken() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [TestProvider.error("expired_token")])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .expired)
        #expect(failure?.status == 400)
    }

    @Test("expired_token after 500s reports the provider's 500, not the expiry (the provider's clock passed it first)")
    func expiredTokenAfterServerErrors() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [
            .raw(500, contentType: "text/html", "<html><body>Internal error</body></html>"),
            TestProvider.error("expired_token"),
        ])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .providerError)
        #expect(failure?.status == 500)
        #expect(provider.pollTimes.count == 2)
    }

    @Test("expired_token after a pending answer is still the expiry")
    func expiredTokenAfterPending() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [
            .raw(500, contentType: "text/html", "<html><body>Internal error</body></html>"),
            TestProvider.pending,
            TestProvider.error("expired_token"),
        ])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .expired)
        #expect(failure?.status == 400)
    }

    @Test("invalid_grant before the deadline is a provider error with status, error and description")
    func invalidGrant() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [TestProvider.error("invalid_grant", "auth_req_id already used")])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .providerError)
        #expect(failure?.status == 400)
        #expect(failure?.providerError == "invalid_grant")
        #expect(failure?.providerErrorDescription == "auth_req_id already used")
    }

    @Test("500 with an HTML body is retried with backoff inside the expiry, then succeeds")
    func retryWithBackoff() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [
            .raw(500, contentType: "text/html", "<html><body>Internal error</body></html>"),
            .failure(HTTPTransportError(.unreachable, "connection refused")),
            TestProvider.pending,
            TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims())),
        ])
        let events = EventLog()
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let identity = try await auth.pollForIdentity(grant, expectedClaim: expected) { events.append($0) }
        #expect(identity.polls == 4)
        // 5: 500 → wait 10 → 15: network error → wait 20 → 35: pending → wait 5 → 40: token
        #expect(provider.pollTimes == [.seconds(5), .seconds(15), .seconds(35), .seconds(40)])
        #expect(events.events.first == .retrying(reason: "http_500", poll: 1, retryIn: .seconds(10)))
    }

    @Test("persistent 503 stops at the deadline with the provider error, never polling after it")
    func persistentServerErrorWithinExpiry() async throws {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": .string(TestProvider.authReqID), "expires_in": 60])])
        provider.transport.on("/oauth2/token", [.raw(503, contentType: "text/html", "<h1>down</h1>")])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .providerError)
        #expect(failure?.status == 503)
        #expect(provider.pollTimes.allSatisfy { $0 < .seconds(60) })
        // 5 → +10 → 15 → +20 → 35 → +30 (cap) → 65 is past the deadline
        #expect(provider.pollTimes == [.seconds(5), .seconds(15), .seconds(35)])
        #expect(!(failure?.description.contains("down") ?? true))
    }

    @Test("network timeouts on every poll end as unreachable within the expiry")
    func unreachableDuringPolling() async throws {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": .string(TestProvider.authReqID), "expires_in": 30])])
        provider.transport.on("/oauth2/token", [.failure(HTTPTransportError(.timedOut, "no answer"))])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .unreachable)
        #expect(failure?.code == "provider_unreachable")
        #expect(provider.pollTimes.allSatisfy { $0 < .seconds(30) })
    }

    @Test("a last poll cut short by the expiry, to a provider that was answering, ends as expired")
    func lastPollCutByExpiryIsExpired() async throws {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": .string(TestProvider.authReqID), "expires_in": 12, "interval": 5])])
        provider.transport.on("/oauth2/token", [TestProvider.pending, .failure(HTTPTransportError(.timedOut, "no answer"))])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .expired)
        #expect(provider.pollTimes == [.seconds(5), .seconds(10)])
    }

    @Test("each poll's timeout is bounded by the time left before the deadline")
    func pollTimeoutBoundedByDeadline() async throws {
        let provider = TestProvider()
        provider.transport.on("/ciba/bc-authorize", [.json(200, ["auth_req_id": .string(TestProvider.authReqID), "expires_in": 8])])
        provider.transport.on("/oauth2/token", [TestProvider.pending])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        _ = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        let poll = try #require(provider.transport.requests(to: "/oauth2/token").first)
        #expect(poll.request.timeout == .seconds(3))
        #expect(poll.form["grant_type"] == "urn:openid:params:grant-type:ciba")
        #expect(poll.form["auth_req_id"] == TestProvider.authReqID)
    }

    @Test("cancellation while waiting sends no further request")
    func cancellationWhileSleeping() async throws {
        let provider = TestProvider(autoAdvance: false)
        provider.transport.on("/oauth2/token", [TestProvider.pending])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let task = Task { try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(await provider.clock.waitForSleepers(1))
        provider.clock.advance(by: .seconds(5))          // first poll goes out
        #expect(await provider.clock.waitForSleepers(1))  // parked before the second poll
        #expect(provider.pollTimes.count == 1)
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        provider.clock.advance(by: .seconds(60))
        #expect(provider.pollTimes.count == 1)  // the task has ended: nothing can poll any more
    }

    @Test("cancellation during an in-flight poll cancels it and sends nothing more")
    func cancellationInFlight() async throws {
        let provider = TestProvider(autoAdvance: true)
        provider.transport.on("/oauth2/token", [.hang])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let task = Task { try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        let deadline = ContinuousClock.now + .seconds(120)  // a failure bound only
        while provider.pollTimes.isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        #expect(provider.pollTimes.count == 1)
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(provider.pollTimes.count == 1)
    }

    @Test("already cancelled: no request at all")
    func cancelledBeforeStart() async throws {
        let provider = TestProvider()
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in }
        }
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(provider.pollTimes.isEmpty)
    }

    @Test("invalid_client while polling is a configuration error")
    func invalidClientWhilePolling() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [TestProvider.error("invalid_client", status: 401)])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .configuration)
    }

    @Test("a 200 token answer that is not JSON is a provider error")
    func garbageTokenAnswer() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [.raw(200, contentType: "application/json", "{\"id_token\": ")])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        let failure = await caught { _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in } }
        #expect(failure?.kind == .providerError)
        #expect(failure?.status == 200)
    }

    @Test("every poll carries fresh client authentication")
    func pollsAuthenticate() async throws {
        let provider = TestProvider()
        provider.transport.on("/oauth2/token", [TestProvider.pending, TestProvider.tokenResponse(TestProvider.sign(TestProvider.claims()))])
        let auth = provider.authenticator()
        let grant = try await provider.start(auth)
        _ = try await auth.pollForIdentity(grant, expectedClaim: expected) { _ in }
        for poll in provider.transport.requests(to: "/oauth2/token") {
            #expect(poll.request.header("Authorization")?.hasPrefix("Basic ") == true)
            #expect(poll.request.method == "POST")
            #expect(poll.request.header("Content-Type") == "application/x-www-form-urlencoded")
        }
    }
}
