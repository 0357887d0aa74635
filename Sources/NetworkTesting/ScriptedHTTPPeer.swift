import Foundation
import Sockets
import Synchronization

/// A loopback TCP server for transport tests whose every connection runs a script: answer
/// slowly, never answer, send an endless body, hang up. It counts connections and requests,
/// so tests can assert reuse ("far fewer connections than requests") and that a cancelled
/// request's connection was closed by the client.
///
/// Test support only: production modules never depend on this target.
public final class ScriptedHTTPPeer: Sendable {
    /// One received request head (and its body, read by `Content-Length`).
    public struct Request: Sendable {
        public var head: String
        public var body: [UInt8]
        public var connection: Int
        /// The request line, e.g. `POST /oauth2/token HTTP/1.1`.
        public var requestLine: String { head.components(separatedBy: "\r\n").first ?? "" }
    }

    /// What the script does with one connection; it may read more requests with `nextRequest`.
    public typealias Script = @Sendable (_ peer: ScriptedHTTPPeer, _ connection: TCPConnection, _ id: Int) async -> Void

    public let listener: TCPListener
    private let script: Script
    private let state = Mutex(State())

    private struct State {
        var connections = 0
        var requests: [Request] = []
        var open: [Int: TCPConnection] = [:]
        var closedByClient: Set<Int> = []
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private struct Waiter {
        let condition: @Sendable (State) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
        var timer: ScheduledTimer?
    }

    public init(script: @escaping Script) throws {
        listener = try TCPListener.listen(on: try SocketAddress.parse("127.0.0.1:0"))
        self.script = script
        listener.startAccepting { [self] connection in
            let id = state.withLock { state -> Int in
                state.connections += 1
                state.open[state.connections] = connection
                return state.connections
            }
            notify()
            Task { await self.script(self, connection, id) }
        }
    }

    public var port: Int { Int(listener.localAddress.port) }
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var connectionCount: Int { state.withLock { $0.connections } }
    public var requests: [Request] { state.withLock { $0.requests } }

    /// Reads the next request on `connection` (head up to the blank line, then the body by
    /// Content-Length). Nil when the client closed the connection (recorded) or after 10 s.
    public func nextRequest(_ connection: TCPConnection, id: Int, buffer: inout [UInt8]) async -> Request? {
        while true {
            if let end = Self.headEnd(buffer) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let length = Self.contentLength(head)
                while buffer.count < end + 4 + length {
                    guard let more = try? await connection.read(timeout: .seconds(10)), !more.isEmpty else { return closed(id) }
                    buffer += more
                }
                let request = Request(head: head, body: Array(buffer[(end + 4)..<(end + 4 + length)]), connection: id)
                buffer.removeFirst(end + 4 + length)
                state.withLock { $0.requests.append(request) }
                notify()
                return request
            }
            guard let more = try? await connection.read(timeout: .seconds(10)), !more.isEmpty else { return closed(id) }
            buffer += more
        }
    }

    /// Waits (at most `timeout`) until the client closes connection `id`; true if it did.
    public func waitUntilClosedByClient(_ id: Int, timeout: Duration = .seconds(10)) async -> Bool {
        await wait(timeout: timeout) { $0.closedByClient.contains(id) }
    }

    /// Waits (at most `timeout`) until `count` requests arrived; true if they did.
    public func waitForRequests(_ count: Int, timeout: Duration = .seconds(10)) async -> Bool {
        await wait(timeout: timeout) { $0.requests.count >= count }
    }

    public func stop() {
        listener.close()
        let open = state.withLock { state -> [TCPConnection] in
            defer { state.open.removeAll() }
            return Array(state.open.values)
        }
        for connection in open { connection.close() }
    }

    // MARK: - Scripts used by several tests

    /// Answers every request on the connection with `response` (keep-alive).
    public static func answering(_ response: String) -> Script {
        { peer, connection, id in
            var buffer: [UInt8] = []
            while await peer.nextRequest(connection, id: id, buffer: &buffer) != nil {
                do { try await connection.write(Array(response.utf8)) } catch { break }
            }
        }
    }

    /// A complete `HTTP/1.1` response with `Content-Length`.
    public static func response(status: String = "200 OK", headers: [String] = [], body: String = "") -> String {
        (["HTTP/1.1 \(status)", "Content-Length: \(body.utf8.count)"] + headers).joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    // MARK: - Internals

    /// For scripts that only write: records that the client closed connection `id` (a write failed).
    public func recordClientClose(_ id: Int) { _ = closed(id) }

    private func closed(_ id: Int) -> Request? {
        state.withLock { state in
            state.closedByClient.insert(id)
            state.open[id] = nil
        }
        notify()
        return nil
    }

    private func wait(timeout: Duration, until condition: @escaping @Sendable (State) -> Bool) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let id = state.withLock { state -> Int? in
                if condition(state) { return nil }
                state.nextWaiter += 1
                state.waiters[state.nextWaiter] = Waiter(condition: condition, continuation: continuation)
                return state.nextWaiter
            }
            guard let id else { return continuation.resume(returning: true) }
            let timer = ScheduledTimer.schedule(after: timeout) { [self] in self.expire(id) }
            state.withLock { $0.waiters[id]?.timer = timer }
        }
    }

    private func notify() {
        let ready = state.withLock { state -> [Waiter] in
            let ids = state.waiters.filter { $0.value.condition(state) }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0) }
        }
        for waiter in ready {
            waiter.timer?.cancel()
            waiter.continuation.resume(returning: true)
        }
    }

    private func expire(_ id: Int) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: false)
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    static func contentLength(_ head: String) -> Int {
        for line in head.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length",
               let value = Int(parts[1].trimmingCharacters(in: .whitespaces)), (0...10_000_000).contains(value) {
                return value
            }
        }
        return 0
    }
}
