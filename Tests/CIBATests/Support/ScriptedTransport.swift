import URLEncoding
import CIBA
import Foundation
import JOSE

/// One scripted answer of the fake provider.
enum ScriptedReply: Sendable {
    case json(Int, JSONValue)
    case raw(Int, contentType: String, String)
    case failure(HTTPTransportError)
    /// Never answers; returns only by cancellation.
    case hang
}

/// A fake ``HTTPTransport``: answers per URL path from a queue (the last reply repeats) and
/// records every request with the clock time it was sent at.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    struct Recorded: Sendable {
        let request: HTTPTransportRequest
        let at: Duration
        var path: String { request.url.path }
        var form: [String: String] {
            Dictionary(FormURLEncoding.decode(String(decoding: request.body, as: UTF8.self)), uniquingKeysWith: { a, _ in a })
        }
    }

    private let lock = NSLock()
    private var routes: [String: [ScriptedReply]] = [:]
    private var log: [Recorded] = []
    private let clock: ManualClock?

    init(clock: ManualClock? = nil) { self.clock = clock }

    /// Sets the replies for `path`; the last one repeats forever.
    func on(_ path: String, _ replies: [ScriptedReply]) {
        lock.lock()
        routes[path] = replies
        lock.unlock()
    }

    var requests: [Recorded] { lock.lock(); defer { lock.unlock() }; return log }
    func requests(to path: String) -> [Recorded] { requests.filter { $0.path == path } }

    func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        try Task.checkCancellation()
        let at = clock?.now.offset ?? .zero
        let reply: ScriptedReply = lock.withLock {
            log.append(Recorded(request: request, at: at))
            var queue = routes[request.url.path] ?? []
            let reply: ScriptedReply = queue.isEmpty ? .raw(404, contentType: "text/plain", "not found") : queue[0]
            if queue.count > 1 { queue.removeFirst(); routes[request.url.path] = queue }
            return reply
        }
        switch reply {
        case .json(let status, let value):
            let body = try value.encoded()
            return HTTPTransportResponse(status: status, headers: [("Content-Type", "application/json")], body: body)
        case .raw(let status, let contentType, let text):
            return HTTPTransportResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
        case .failure(let error):
            throw error
        case .hang:
            let gate = HangGate()
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in gate.park(c) }
            } onCancel: {
                gate.cancel()
            }
            throw CancellationError()
        }
    }
}

/// Parks a continuation until cancelled (handles cancellation arriving first).
final class HangGate: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, any Error>?
    private var cancelled = false

    func park(_ c: CheckedContinuation<Void, any Error>) {
        lock.lock()
        if cancelled { lock.unlock(); c.resume(throwing: CancellationError()); return }
        continuation = c
        lock.unlock()
    }

    func cancel() {
        lock.lock()
        cancelled = true
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume(throwing: CancellationError())
    }
}
