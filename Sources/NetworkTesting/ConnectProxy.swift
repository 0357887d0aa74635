import Foundation
import Sockets
import Synchronization

/// An HTTP CONNECT proxy on loopback for transport tests: it tunnels to loopback targets,
/// or refuses (403) or asks for credentials (407), and records what it was asked.
///
/// Test support only. It never connects anywhere but 127.0.0.1 / ::1 / localhost.
public final class ConnectProxy: Sendable {
    public enum Policy: Sendable {
        /// Tunnel every loopback target.
        case tunnel
        /// Answer every CONNECT with 403.
        case refuse
        /// Require `Proxy-Authorization: Basic base64(credentials)`; 407 otherwise.
        case requireCredentials(String)
    }

    public let listener: TCPListener
    private let policy: Policy
    private let state = Mutex(State())

    private struct State {
        var targets: [String] = []
        var sawCredentials: [Bool] = []
        var open: [TCPConnection] = []
    }

    public init(policy: Policy) throws {
        listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        self.policy = policy
        listener.startAccepting { [self] client in
            state.withLock { $0.open.append(client) }
            Task { await self.serve(client) }
        }
    }

    public var url: URL { URL(string: "http://127.0.0.1:\(listener.localAddress.port)")! }
    /// `host:port` of every CONNECT received, in order.
    public var targets: [String] { state.withLock { $0.targets } }
    /// Whether each CONNECT carried a Proxy-Authorization header.
    public var sawCredentials: [Bool] { state.withLock { $0.sawCredentials } }

    public func stop() {
        listener.close()
        for connection in state.withLock({ $0.open }) { connection.close() }
    }

    private func serve(_ client: TCPConnection) async {
        var buffer: [UInt8] = []
        while ScriptedHTTPPeer.headEnd(buffer) == nil {
            guard buffer.count < 16_384, let more = try? await client.read(timeout: .seconds(10)), !more.isEmpty else {
                client.close()
                return
            }
            buffer += more
        }
        let end = ScriptedHTTPPeer.headEnd(buffer)!
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        let leftover = Array(buffer[(end + 4)...])
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3, parts[0] == "CONNECT" else {
            try? await client.write(Array("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n".utf8))
            client.close()
            return
        }
        let target = String(parts[1])
        let authorization = lines.dropFirst().first { $0.lowercased().hasPrefix("proxy-authorization:") }
            .map { String($0.dropFirst("proxy-authorization:".count)).trimmingCharacters(in: .whitespaces) }
        state.withLock { state in
            state.targets.append(target)
            state.sawCredentials.append(authorization != nil)
        }
        switch policy {
        case .refuse:
            try? await client.write(Array("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
            client.close()
            return
        case .requireCredentials(let credentials):
            let expected = "Basic " + Data(credentials.utf8).base64EncodedString()
            guard authorization == expected else {
                try? await client.write(Array("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
                client.close()
                return
            }
        case .tunnel:
            break
        }
        guard let colon = target.lastIndex(of: ":"), let port = Int(target[target.index(after: colon)...]), (1...65535).contains(port) else {
            try? await client.write(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
            client.close()
            return
        }
        var host = String(target[..<colon])
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { host = "127.0.0.1" }
        guard host == "127.0.0.1" || host == "::1", let address = try? SocketAddress.parse(host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"),
              let upstream = try? await TCPConnection.connect(to: address) else {
            try? await client.write(Array("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".utf8))
            client.close()
            return
        }
        state.withLock { $0.open.append(upstream) }
        do {
            try await client.write(Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8))
            if !leftover.isEmpty { try await upstream.write(leftover) }
        } catch {
            client.close(); upstream.close()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await Self.pump(from: client, to: upstream) }
            group.addTask { await Self.pump(from: upstream, to: client) }
        }
    }

    /// Copies until EOF or an error, then closes both ends (so the other pump ends too).
    private static func pump(from source: TCPConnection, to sink: TCPConnection) async {
        while let bytes = try? await source.read(), !bytes.isEmpty {
            do { try await sink.write(bytes) } catch { break }
        }
        source.close()
        sink.close()
    }
}
