import URLEncoding
import CIBA
import Foundation
import HTTPServer
import JOSE
import Sockets
import StructuredLogging
import Testing

/// Keeps accepted connections open (and unanswered) until the test ends.
final class SilentServer: @unchecked Sendable {
    let listener: TCPListener
    private let lock = NSLock()
    private var connections: [TCPConnection] = []
    private var acceptTask: Task<Void, Never>?

    init() throws {
        listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        acceptTask = Task { [listener, weak self] in
            while let connection = try? await listener.accept() {
                self?.keep(connection)
            }
        }
    }

    private func keep(_ connection: TCPConnection) {
        lock.lock()
        connections.append(connection)
        lock.unlock()
    }

    var acceptedCount: Int { lock.lock(); defer { lock.unlock() }; return connections.count }
    var url: URL { URL(string: "http://127.0.0.1:\(listener.localAddress.port)")! }

    func stop() {
        listener.close()
        acceptTask?.cancel()
        lock.lock()
        let all = connections
        connections.removeAll()
        lock.unlock()
        for connection in all { connection.close() }
    }
}

@Suite("URLSessionTransport against real local sockets", .serialized)
struct URLSessionTransportTests {
    @Test("a provider that accepts and never answers times out within the request timeout")
    func neverAnswers() async throws {
        let server = try SilentServer()
        defer { server.stop() }
        let transport = try URLSessionTransport()
        let started = ContinuousClock.now
        do {
            _ = try await transport.send(HTTPTransportRequest(method: "GET", url: server.url.appendingPathComponent("x"), timeout: .milliseconds(500)))
            Issue.record("expected a timeout")
        } catch let error as HTTPTransportError {
            #expect(error.kind == .timedOut)
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        // The connection really reached the listener (accept may lag behind under load).
        let acceptDeadline = ContinuousClock.now + .seconds(3)
        while server.acceptedCount == 0 && ContinuousClock.now < acceptDeadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.acceptedCount >= 1)
    }

    @Test("through the authenticator the silent provider is provider_unreachable")
    func silentProviderIsUnreachable() async throws {
        let server = try SilentServer()
        defer { server.stop() }
        let settings = ProviderSettings(issuer: server.url, clientID: "c", authentication: .clientSecretBasic(secret: "s"),
                                        requestTimeout: .milliseconds(400))
        let auth = try BackchannelAuthenticator(settings: settings, clock: ContinuousClock(), logger: .disabled)
        let failure = await caught { _ = try await auth.metadata() }
        #expect(failure?.kind == .unreachable)
    }

    @Test("a closed port is unreachable")
    func connectionRefused() async throws {
        let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        let port = listener.localAddress.port
        listener.close()
        let transport = try URLSessionTransport()
        do {
            _ = try await transport.send(HTTPTransportRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/")!, timeout: .seconds(5)))
            Issue.record("expected a failure")
        } catch let error as HTTPTransportError {
            #expect(error.kind == .unreachable)
        }
    }

    @Test("cancelling the task cancels the in-flight request at once")
    func cancellation() async throws {
        let server = try SilentServer()
        defer { server.stop() }
        let transport = try URLSessionTransport()
        let url = server.url
        let task = Task { try await transport.send(HTTPTransportRequest(method: "GET", url: url, timeout: .seconds(30))) }
        let deadline = ContinuousClock.now + .seconds(5)
        while server.acceptedCount == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
    }

    @Test("a custom CA file is refused where FoundationNetworking cannot honour it")
    func caFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ciba-test-ca-\(UUID().uuidString).pem").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("-----BEGIN CERTIFICATE-----\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        if URLSessionTransport.supportsCustomCAFile {
            _ = try URLSessionTransport(configuration: .init(caFile: path))
        } else {
            #expect(throws: CIBAFailure.self) { try URLSessionTransport(configuration: .init(caFile: path)) }
        }
        #expect(throws: CIBAFailure.self) { try URLSessionTransport(configuration: .init(caFile: "/nonexistent/ca.pem")) }
    }
}

@Suite("Full flow over HTTP against a local HTTPServer", .serialized)
struct HTTPServerFlowTests {
    /// A tiny provider: discovery, JWKS, bc-authorize, token (pending once, then a token).
    final class LocalProvider: @unchecked Sendable {
        private let lock = NSLock()
        private var tokenCalls = 0
        private(set) var seen: [HTTPRequest] = []
        var issuer = ""

        func handle(_ request: HTTPRequest) -> HTTPResponse {
            lock.lock()
            seen.append(request)
            lock.unlock()
            switch request.path {
            case "/.well-known/openid-configuration":
                return .json(Data((try? JSONValue.object([
                    "issuer": .string(issuer),
                    "backchannel_authentication_endpoint": .string(issuer + "/ciba/bc-authorize"),
                    "token_endpoint": .string(issuer + "/oauth2/token"),
                    "jwks_uri": .string(issuer + "/jwks"),
                    "backchannel_token_delivery_modes_supported": ["poll"],
                ]).encoded()) ?? []))
            case "/jwks":
                return .json(Data((try? TestProvider.jwks([(TestKeys.rsa, "k1")]).encoded()) ?? []))
            case "/ciba/bc-authorize":
                return .json(Data((try? JSONValue.object(["auth_req_id": .string(TestProvider.authReqID), "expires_in": 60, "interval": 1]).encoded()) ?? []))
            case "/oauth2/token":
                lock.lock()
                tokenCalls += 1
                let call = tokenCalls
                lock.unlock()
                if call == 1 {
                    return .json(Data(#"{"error":"authorization_pending","error_description":"awaiting user identification"}"#.utf8), status: 400)
                }
                var claims = TestProvider.claims()
                claims["iss"] = .string(issuer)
                let body: JSONValue = ["token_type": "Bearer", "id_token": .string(TestProvider.sign(claims))]
                return .json(Data((try? body.encoded()) ?? []))
            case "/big":
                return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: [UInt8](repeating: 0x20, count: 300_000))
            case "/basic-challenge":
                return HTTPResponse(status: 401, headers: [("WWW-Authenticate", #"Basic realm="op""#), ("Content-Type", "application/json")],
                                    body: Array(#"{"error":"invalid_client"}"#.utf8))
            case "/redirect":
                return HTTPResponse(status: 302, headers: [("Location", "/jwks")])
            default:
                return .notFound
            }
        }

        var requests: [HTTPRequest] { lock.lock(); defer { lock.unlock() }; return seen }
    }

    @Test("discovery, bc-authorize, polling and ID-token validation over real HTTP")
    func fullFlow() async throws {
        let provider = LocalProvider()
        let server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled) { provider.handle($0) }
        let address = try server.start()
        provider.issuer = "http://127.0.0.1:\(address.port)"
        do {
            let settings = ProviderSettings(issuer: URL(string: provider.issuer)!, clientID: TestProvider.clientID,
                                            authentication: .clientSecretBasic(secret: TestProvider.secret), requestTimeout: .seconds(5))
            let auth = try BackchannelAuthenticator(settings: settings, clock: ScaledClock(factor: 50), logger: .disabled)
            let grant = try await auth.start(BackchannelRequest(hint: .loginHint("sub:ssn:\(TestProvider.number)"),
                                                                bindingMessage: "Example Bank + you"))
            let events = EventLog()
            let identity = try await auth.pollForIdentity(grant, expectedClaim: (name: "ssn", value: TestProvider.number)) { events.append($0) }
            #expect(identity.string("name") == "Terne Paulsen")
            #expect(events.events == [.pending(description: "awaiting user identification", poll: 1)])
            let bc = try #require(provider.requests.first { $0.path == "/ciba/bc-authorize" })
            #expect(bc.formParameters()["binding_message"] == "Example Bank + you")
            #expect(bc.formParameters()["login_hint"] == "sub:ssn:\(TestProvider.number)")
            let basic = try #require(bc.header("Authorization"))
            let decoded = String(decoding: Data(base64Encoded: String(basic.dropFirst(6))) ?? Data(), as: UTF8.self)
            #expect(decoded == FormURLEncoding.encodeComponent(TestProvider.clientID) + ":" + FormURLEncoding.encodeComponent(TestProvider.secret))
            // One URLSession per authenticator: libcurl reuses the keep-alive connection.
            let peers = Set(provider.requests.map(\.remoteAddress))
            #expect(provider.requests.count == 5)
            #expect(peers.count < provider.requests.count)
        }
        await server.shutdown()
    }

    @Test("oversized bodies are refused and redirects are not followed")
    func limitsAndRedirects() async throws {
        let provider = LocalProvider()
        let server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled) { provider.handle($0) }
        let address = try server.start()
        do {
            let transport = try URLSessionTransport(configuration: .init(maxResponseBytes: 100_000))
            do {
                _ = try await transport.send(HTTPTransportRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(address.port)/big")!, timeout: .seconds(5)))
                Issue.record("expected responseTooLarge")
            } catch let error as HTTPTransportError {
                #expect(error.kind == .responseTooLarge)
            }
            let redirect = try await transport.send(HTTPTransportRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(address.port)/redirect")!, timeout: .seconds(5)))
            #expect(redirect.status == 302)
        }
        await server.shutdown()
    }

    @Test("a 401 with a Basic challenge comes back as 401 (FoundationNetworking would otherwise hang)")
    func basicChallenge() async throws {
        let provider = LocalProvider()
        let server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled) { provider.handle($0) }
        let address = try server.start()
        do {
            let transport = try URLSessionTransport()
            let started = ContinuousClock.now
            let response = try await transport.send(HTTPTransportRequest(
                method: "POST", url: URL(string: "http://127.0.0.1:\(address.port)/basic-challenge")!,
                headers: [("Authorization", "Basic d3Jvbmc6d3Jvbmc=")], body: Array("a=b".utf8), timeout: .seconds(5)))
            #expect(response.status == 401)
            #expect(ContinuousClock.now - started < .seconds(4))
        }
        await server.shutdown()
    }
}
