import Foundation
import Testing
import CIBA
import CIBASimulator
import HTTPServer
import NetworkTesting
import Sockets
import StructuredLogging
@testable import CallerAuth

@Suite("/readyz: named readiness checks")
struct ReadinessTests {
    @Test func allOKIs200AndListsEachCheck() async {
        let readiness = ReadinessRegistry()
        readiness.register(name: "alpha") { .ok("fine") }
        readiness.register(name: "beta") { .ok() }
        let handler = OpsEndpoint.handler(metrics: MetricsRegistry(), readiness: readiness)
        let response = await handler(HTTPRequest(method: "GET", path: "/readyz"))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "ready\nalpha ok: fine\nbeta ok: ok\n")
    }

    @Test func oneFailingCheckIs503AndNamesIt() async {
        let readiness = ReadinessRegistry()
        readiness.register(name: "alpha") { .ok() }
        readiness.register(name: "sharedState") { .failing("redis 127.0.0.1:6379 refused the connection\nsecond line") }
        let report = await readiness.evaluate()
        #expect(!report.isReady)
        #expect(report.failing == ["sharedState"])
        let handler = OpsEndpoint.handler(metrics: MetricsRegistry(), readiness: readiness)
        let response = await handler(HTTPRequest(method: "GET", path: "/readyz"))
        #expect(response.status == 503)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text == "not ready\nalpha ok: ok\nsharedState failing: redis 127.0.0.1:6379 refused the connection second line\n")
        // /healthz is about the process only.
        #expect(await handler(HTTPRequest(method: "GET", path: "/healthz")).status == 200)
    }

    @Test func sameNameReplacesAndNoChecksIsReady() async {
        let readiness = ReadinessRegistry()
        #expect(await readiness.evaluate().isReady)
        readiness.register(name: "x") { .failing("first") }
        readiness.register(name: "y") { .ok() }
        readiness.register(name: "x") { .ok("second") }
        #expect(readiness.names == ["x", "y"])
        #expect(await readiness.evaluate().entries.first?.result == .ok("second"))
    }

    @Test func aHangingCheckFailsAfterTheTimeoutAndTheOthersStillAnswer() async {
        // 2 s, not less: the quick check must answer within it too, even on a loaded machine.
        let readiness = ReadinessRegistry(timeout: .seconds(2))
        // Ignores cancellation on purpose: the answer must not wait for it.
        let (never, _) = AsyncStream<Int>.makeStream()
        readiness.register(name: "stuck") {
            await withTaskCancellationHandler {
                for await _ in never {}
                return .ok()
            } onCancel: {}
        }
        readiness.register(name: "quick") { .ok() }
        let report = await readiness.evaluate()
        #expect(report.entries.map(\.name) == ["stuck", "quick"])
        #expect(report.entries[0].result == .failing("no answer within \(Duration.seconds(2))"))
        #expect(report.entries[1].result.isOK)
    }

    /// The real wiring: `CallerAuthServer`'s ops socket, the simulated provider, then the provider
    /// goes away. Lifetimes of zero make every probe refresh, so no clock is needed. The provider
    /// listens on a reserved port, so once it is gone nobody else can answer there.
    @Test func providerUnreachableIs503NamingDiscoveryAndJWKSWhileHealthzStaysOK() async throws {
        let reserved = try ReservedPort()
        defer { reserved.release() }
        let provider = SimulatedProvider()
        let issuer = try provider.start(listen: reserved.address)
        var configuration = try SimulatedSetup.configuration(issuer: issuer)
        configuration.provider.requestTimeoutSeconds = 30
        var settings = configuration.provider.settings
        settings.metadataLifetime = .zero
        settings.jwksLifetime = .zero
        let logs = InMemoryLogHandler()
        let logger = Logger(handler: logs, level: .debug)
        let authenticator = BackchannelAuthenticator(settings: settings, transport: try CurlTransport(), clock: ContinuousClock(),
                                                     logger: logger)
        let server = try CallerAuthServer(configuration: configuration, logger: logger, authenticator: authenticator,
                                          audit: InMemoryAuditSink(), readinessTimeout: .seconds(60))
        let addresses = try server.start()
        let ops = try #require(addresses.ops)
        #expect(server.readiness.names == ["discovery", "jwks"])

        let ready = try await Self.get(ops, "/readyz")
        #expect(ready.status == 200, "\(ready.text)")
        #expect(ready.text.hasPrefix("ready\n"))
        #expect(ready.text.contains("discovery ok: fetched"))
        #expect(ready.text.contains("jwks ok: fetched"))

        await provider.shutdown()
        let notReady = try await Self.get(ops, "/readyz")
        #expect(notReady.status == 503, "\(notReady.text)")
        #expect(notReady.text.hasPrefix("not ready\n"))
        #expect(notReady.text.contains("discovery failing: stale: copy from"))
        #expect(notReady.text.contains("provider_unreachable"))
        #expect(notReady.text.contains("jwks failing: stale:"))
        let health = try await Self.get(ops, "/healthz")
        #expect(health.status == 200)
        #expect(health.text == "ok\n")
        await server.shutdown(drainTimeout: .zero)
    }

    /// A reserved port, not one that was free a moment ago: in CI another test's simulated
    /// provider was given such a port and answered as this provider.
    @Test func providerNeverReachedIsMissing() async throws {
        let reserved = try ReservedPort()
        defer { reserved.release() }
        let issuer = try #require(URL(string: "http://\(reserved.address)"))
        var settings = try SimulatedSetup.configuration(issuer: issuer, opsListen: false).provider.settings
        settings.requestTimeout = .seconds(30)
        let authenticator = BackchannelAuthenticator(settings: settings, transport: try CurlTransport(), clock: ContinuousClock(),
                                                     logger: Logger(handler: InMemoryLogHandler()))
        let readiness = ReadinessRegistry(timeout: .seconds(60))
        readiness.registerProviderChecks(authenticator)
        let report = await readiness.evaluate()
        #expect(report.failing == ["discovery", "jwks"])
        #expect(report.entries[0].result.reason.hasPrefix("missing: provider_unreachable"))
    }

    static func get(_ address: SocketAddress, _ path: String) async throws -> (status: Int, text: String) {
        let url = try #require(URL(string: "http://\(address)\(path)"))
        let response = try await CurlTransport().send(HTTPTransportRequest(method: "GET", url: url, timeout: .seconds(120)))  // a failure bound only
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }
}
