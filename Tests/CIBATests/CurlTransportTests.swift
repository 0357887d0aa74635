import URLEncoding
import CIBA
import NetworkTesting
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
    private var firstConnectionWaiters: [CheckedContinuation<Void, Never>] = []

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
        let waiters = firstConnectionWaiters
        firstConnectionWaiters = []
        lock.unlock()
        for waiter in waiters { waiter.resume() }
    }

    var acceptedCount: Int { lock.lock(); defer { lock.unlock() }; return connections.count }

    /// Returns whether a connection was accepted within `timeout` (the accept task may run
    /// after the client gave up on a loaded machine).
    func firstConnectionAccepted(within timeout: Duration) async -> Bool {
        let giveUp = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.releaseWaiters()
        }
        defer { giveUp.cancel() }
        await waitForAConnectionOrRelease()
        return acceptedCount > 0
    }

    private func releaseWaiters() {
        lock.lock()
        let waiters = firstConnectionWaiters
        firstConnectionWaiters = []
        lock.unlock()
        for waiter in waiters { waiter.resume() }
    }

    private func waitForAConnectionOrRelease() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if connections.isEmpty {
                firstConnectionWaiters.append(continuation)
                lock.unlock()
            } else {
                lock.unlock()
                continuation.resume()
            }
        }
    }
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

@Suite("CurlTransport against real local sockets (plain HTTP)", .serialized)
struct CurlTransportTests {
    static func get(_ url: String, timeout: Duration = .seconds(60)) -> HTTPTransportRequest {  // a failure bound only
        HTTPTransportRequest(method: "GET", url: URL(string: url)!, timeout: timeout)
    }

    static func failure(_ transport: CurlTransport, _ request: HTTPTransportRequest) async -> HTTPTransportError? {
        do {
            let response = try await transport.send(request)
            Issue.record("expected a failure, got HTTP \(response.status)")
            return nil
        } catch let error as HTTPTransportError {
            return error
        } catch {
            Issue.record("expected HTTPTransportError, got \(error)")
            return nil
        }
    }

    @Test("a provider that accepts and never answers times out within the request timeout")
    func neverAnswers() async throws {
        let server = try SilentServer()
        defer { server.stop() }
        let transport = try CurlTransport()
        let error = await Self.failure(transport, Self.get(server.url.absoluteString + "/x", timeout: .milliseconds(300)))
        #expect(error?.kind == .timedOut)
        #expect(error?.reason == "no complete answer from 127.0.0.1 within 300 ms")
        // The connection was made (the accept task may run late under load; 60 s is a failure bound only).
        #expect(await server.firstConnectionAccepted(within: .seconds(60)))
    }

    @Test("the timeout is a hard bound: a body dripping one byte at a time still times out")
    func drippingBodyTimesOut() async throws {
        let peer = try ScriptedHTTPPeer { peer, connection, id in
            var buffer: [UInt8] = []
            guard await peer.nextRequest(connection, id: id, buffer: &buffer) != nil else { return }
            try? await connection.write(Array("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".utf8))
            // One byte every 50 ms, until the client gives up (the write then fails).
            while true {
                do { try await connection.write([0x20]) } catch { return peer.recordClientClose(id) }
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    ScheduledTimer.schedule(after: .milliseconds(50)) { done.resume() }
                }
            }
        }
        defer { peer.stop() }
        let transport = try CurlTransport()
        let error = await Self.failure(transport, Self.get(peer.baseURL + "/drip", timeout: .milliseconds(400)))
        #expect(error?.kind == .timedOut)
        #expect(await peer.waitUntilClosedByClient(1))
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
        #expect(failure?.reason.contains("no complete answer from 127.0.0.1") == true)
    }

    @Test("a closed port says which address refused")
    func connectionRefused() async throws {
        let reserved = try ReservedPort()
        defer { reserved.release() }
        let port = reserved.port
        let transport = try CurlTransport()
        let error = await Self.failure(transport, Self.get("http://127.0.0.1:\(port)/"))
        #expect(error?.kind == .unreachable)
        #expect(error?.reason == "connection to 127.0.0.1:\(port) refused")
    }

    @Test("cancelling the task removes the request at once: the provider sees the connection closed")
    func cancellation() async throws {
        let peer = try ScriptedHTTPPeer { peer, connection, id in
            var buffer: [UInt8] = []
            // Read the request, never answer, and notice when the client hangs up.
            _ = await peer.nextRequest(connection, id: id, buffer: &buffer)
            _ = await peer.nextRequest(connection, id: id, buffer: &buffer)
        }
        defer { peer.stop() }
        let transport = try CurlTransport()
        let url = peer.baseURL + "/poll"
        let task = Task { try await transport.send(HTTPTransportRequest(method: "POST", url: URL(string: url)!, body: Array("a=b".utf8), timeout: .seconds(30))) }
        #expect(await peer.waitForRequests(1))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(await peer.waitUntilClosedByClient(1))
        #expect(peer.requests.count == 1)
    }

    @Test("a task cancelled before sending sends nothing")
    func cancelledBeforeStart() async throws {
        let peer = try ScriptedHTTPPeer(script: ScriptedHTTPPeer.answering(ScriptedHTTPPeer.response()))
        defer { peer.stop() }
        let transport = try CurlTransport()
        let url = peer.baseURL
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await transport.send(Self.get(url))
        }
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        // A request after it goes through on its own connection; the cancelled one never arrived.
        _ = try await transport.send(Self.get(url + "/after"))
        #expect(peer.requests.map(\.requestLine) == ["GET /after HTTP/1.1"])
    }

    @Test("an endless body is cut at the limit")
    func endlessBodyCut() async throws {
        let peer = try ScriptedHTTPPeer { peer, connection, id in
            var buffer: [UInt8] = []
            guard await peer.nextRequest(connection, id: id, buffer: &buffer) != nil else { return }
            try? await connection.write(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
            let chunk = Array("4000\r\n".utf8) + [UInt8](repeating: 0x41, count: 0x4000) + Array("\r\n".utf8)
            while true {
                do { try await connection.write(chunk, timeout: .seconds(10)) } catch { return peer.recordClientClose(id) }
            }
        }
        defer { peer.stop() }
        let transport = try CurlTransport(settings: TransportSettings(maxResponseBytes: 100_000))
        let error = await Self.failure(transport, Self.get(peer.baseURL + "/endless"))
        #expect(error?.kind == .responseTooLarge)
        #expect(error?.reason == "the answer from 127.0.0.1 is larger than 100000 bytes")
        #expect(await peer.waitUntilClosedByClient(1))
    }

    @Test("a declared Content-Length beyond the limit is refused before the body comes")
    func declaredLengthTooLarge() async throws {
        let peer = try ScriptedHTTPPeer(script: ScriptedHTTPPeer.answering("HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n"))
        defer { peer.stop() }
        let transport = try CurlTransport(settings: TransportSettings(maxResponseBytes: 1000))
        let error = await Self.failure(transport, Self.get(peer.baseURL))
        #expect(error?.kind == .responseTooLarge)
    }

    @Test("a 401 with WWW-Authenticate returns promptly with its headers and body")
    func unauthorizedChallenge() async throws {
        let body = #"{"error":"invalid_client"}"#
        let peer = try ScriptedHTTPPeer(script: ScriptedHTTPPeer.answering(ScriptedHTTPPeer.response(
            status: "401 Unauthorized", headers: [#"WWW-Authenticate: Basic realm="op""#, "Content-Type: application/json"], body: body)))
        defer { peer.stop() }
        let transport = try CurlTransport()
        // The timeout is long: returning at all proves nothing waited for a retry with credentials.
        let response = try await transport.send(HTTPTransportRequest(
            method: "POST", url: URL(string: peer.baseURL + "/oauth2/token")!,
            headers: [("Authorization", "Basic d3Jvbmc6d3Jvbmc=")], body: Array("a=b".utf8), timeout: .seconds(60)))
        #expect(response.status == 401)
        #expect(response.header("www-authenticate") == #"Basic realm="op""#)
        #expect(String(decoding: response.body, as: UTF8.self) == body)
        #expect(peer.requests.count == 1)
    }

    @Test("requests reuse keep-alive connections: the provider sees far fewer connections than requests")
    func connectionReuse() async throws {
        let peer = try ScriptedHTTPPeer(script: ScriptedHTTPPeer.answering(ScriptedHTTPPeer.response(body: #"{"ok":true}"#)))
        defer { peer.stop() }
        let transport = try CurlTransport(settings: TransportSettings(maxConnectionsPerHost: 4))
        for i in 0..<20 {
            let response = try await transport.send(HTTPTransportRequest(
                method: "POST", url: URL(string: peer.baseURL + "/token/\(i)")!, body: Array("n=\(i)".utf8), timeout: .seconds(60)))
            #expect(response.status == 200)
        }
        #expect(peer.connectionCount == 1)
        // Concurrent requests share at most maxConnectionsPerHost connections.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<40 {
                group.addTask { try await transport.send(Self.get(peer.baseURL + "/c/\(i)")).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        #expect(peer.requests.count == 60)
        #expect(peer.connectionCount <= 5)
    }

    @Test("request bytes on the wire: method, path, headers, body; no Expect: 100-continue")
    func requestOnTheWire() async throws {
        let peer = try ScriptedHTTPPeer(script: ScriptedHTTPPeer.answering(ScriptedHTTPPeer.response()))
        defer { peer.stop() }
        let transport = try CurlTransport()
        let body = Array(String(repeating: "x=1&", count: 600).utf8)  // > 1024 bytes: curl would add Expect
        _ = try await transport.send(HTTPTransportRequest(method: "POST", url: URL(string: peer.baseURL + "/p?q=1")!,
                                                          headers: [("Content-Type", "application/x-www-form-urlencoded"), ("X-Test", "v")],
                                                          body: body, timeout: .seconds(60)))
        let request = try #require(peer.requests.first)
        #expect(request.requestLine == "POST /p?q=1 HTTP/1.1")
        #expect(request.head.contains("\r\nX-Test: v"))
        #expect(!request.head.lowercased().contains("expect:"))
        #expect(request.body == body)
    }

    @Test("a header with a line break is refused before anything is sent")
    func headerInjectionRefused() async throws {
        let transport = try CurlTransport()
        let error = await Self.failure(transport, HTTPTransportRequest(method: "GET", url: URL(string: "http://127.0.0.1:1/")!,
                                                                       headers: [("X-A", "v\r\nX-B: w")], timeout: .seconds(1)))
        #expect(error?.kind == .invalidRequest)
    }

    @Test("a CONNECT proxy is used (the provider is reached through it) and its refusal is reported")
    func connectProxy() async throws {
        let peer = try ScriptedHTTPPeer(script: ScriptedHTTPPeer.answering(ScriptedHTTPPeer.response(body: "tunnelled")))
        defer { peer.stop() }
        let proxy = try ConnectProxy(policy: .tunnel)
        defer { proxy.stop() }
        let transport = try CurlTransport(settings: TransportSettings(proxy: proxy.url))
        let response = try await transport.send(Self.get(peer.baseURL + "/via-proxy"))
        #expect(String(decoding: response.body, as: UTF8.self) == "tunnelled")
        #expect(proxy.targets == ["127.0.0.1:\(peer.port)"])

        let refusing = try ConnectProxy(policy: .refuse)
        defer { refusing.stop() }
        let refused = try CurlTransport(settings: TransportSettings(proxy: refusing.url))
        let error = await Self.failure(refused, Self.get(peer.baseURL + "/never"))
        #expect(error?.kind == .proxy)
        #expect(error?.reason == "proxy 127.0.0.1:\(refusing.url.port!) refused the tunnel to 127.0.0.1:\(peer.port) (HTTP 403)")
        #expect(peer.requests.map(\.requestLine) == ["GET /via-proxy HTTP/1.1"])
    }

    @Test("proxy credentials: missing ones and wrong ones are told apart, right ones pass")
    func proxyCredentials() async throws {
        let peer = try ScriptedHTTPPeer(script: ScriptedHTTPPeer.answering(ScriptedHTTPPeer.response()))
        defer { peer.stop() }
        let proxy = try ConnectProxy(policy: .requireCredentials("agent:pr0xy-pass"))
        defer { proxy.stop() }
        let none = try CurlTransport(settings: TransportSettings(proxy: proxy.url))
        let missing = await Self.failure(none, Self.get(peer.baseURL))
        #expect(missing?.reason.hasSuffix("wants credentials: set provider.proxyCredentialsFile") == true)
        let wrong = try CurlTransport(settings: TransportSettings(proxy: proxy.url, proxyCredentials: "agent:wrong-pass"))
        let rejected = await Self.failure(wrong, Self.get(peer.baseURL))
        #expect(rejected?.reason.hasSuffix("rejected the credentials in provider.proxyCredentialsFile") == true)
        #expect(rejected?.description.contains("wrong-pass") == false)
        let right = try CurlTransport(settings: TransportSettings(proxy: proxy.url, proxyCredentials: "agent:pr0xy-pass"))
        #expect(try await right.send(Self.get(peer.baseURL)).status == 200)
    }

    @Test("a proxy nobody listens on is reported as the proxy, not the provider")
    func proxyDown() async throws {
        let listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        let port = listener.localAddress.port
        listener.close()
        let transport = try CurlTransport(settings: TransportSettings(proxy: URL(string: "http://127.0.0.1:\(port)")!))
        let error = await Self.failure(transport, Self.get("http://127.0.0.1:9/"))
        #expect(error?.kind == .proxy)
        #expect(error?.reason == "connection to proxy 127.0.0.1:\(port) refused")
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
                                            authentication: .clientSecretBasic(secret: TestProvider.secret), requestTimeout: .seconds(60))
            // Time moves only by the poll interval's sleeps (each ends at once at its deadline), so
            // load on the machine can never carry the flow past its expiry; the requests are real.
            let auth = try BackchannelAuthenticator(settings: settings, clock: ManualClock(autoAdvance: true), logger: .disabled)
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
            // One multi handle per authenticator: the keep-alive connection is reused.
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
            let transport = try CurlTransport(settings: TransportSettings(maxResponseBytes: 100_000))
            do {
                _ = try await transport.send(HTTPTransportRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(address.port)/big")!, timeout: .seconds(60)))
                Issue.record("expected responseTooLarge")
            } catch let error as HTTPTransportError {
                #expect(error.kind == .responseTooLarge)
            }
            let redirect = try await transport.send(HTTPTransportRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(address.port)/redirect")!, timeout: .seconds(60)))
            #expect(redirect.status == 302)
        }
        await server.shutdown()
    }

    @Test("a 401 with a Basic challenge comes back as 401")
    func basicChallenge() async throws {
        let provider = LocalProvider()
        let server = HTTPServer(listen: try SocketAddress.parse("127.0.0.1:0"), logger: .disabled) { provider.handle($0) }
        let address = try server.start()
        do {
            let transport = try CurlTransport()
            let started = ContinuousClock.now
            let response = try await transport.send(HTTPTransportRequest(
                method: "POST", url: URL(string: "http://127.0.0.1:\(address.port)/basic-challenge")!,
                headers: [("Authorization", "Basic d3Jvbmc6d3Jvbmc=")], body: Array("a=b".utf8), timeout: .seconds(60)))
            #expect(response.status == 401)
            #expect(ContinuousClock.now - started < .seconds(4))
        }
        await server.shutdown()
    }
}
