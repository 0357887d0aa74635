import CallerAuth
import Foundation
import StructuredLogging

/// Fans the verification store's changes out to every `GET /api/v1/events` client as
/// Server-Sent Events, with heartbeats.
///
/// One subscription to the store feeds all clients. Each client has a bounded buffer
/// (`clientBuffer` chunks): a client that falls that far behind is disconnected rather
/// than letting memory grow (its `EventSource` reconnects and the page reloads the list).
/// `shutdown()` ends every stream, so the HTTP server's connections close cleanly.
public actor DeskEventHub {
    private let store: any VerificationStore
    private let logger: Logger
    private let clientBuffer: Int
    private let maxClients: Int
    private var clients: [UInt64: AsyncStream<[UInt8]>.Continuation] = [:]
    private var nextID: UInt64 = 0
    private var eventID: UInt64 = 0
    private var pump: Task<Void, Never>?
    private var stopped = false

    public init(store: any VerificationStore, logger: Logger, clientBuffer: Int = 256, maxClients: Int = 1000) {
        self.store = store
        self.logger = logger
        self.clientBuffer = clientBuffer
        self.maxClients = maxClients
    }

    /// Subscribes to the store. Call once before serving.
    public func start() {
        guard pump == nil, !stopped else { return }
        let store = self.store
        pump = Task { [weak self] in
            while !Task.isCancelled {
                for await record in store.events() {
                    await self?.broadcast(record)
                }
                // The store dropped this subscriber (fell behind) or ended: subscribe again.
                if Task.isCancelled { return }
                await self?.resubscribed()
            }
        }
    }

    public var clientCount: Int { clients.count }

    /// A new client's stream: it opens with a `retry` hint and a comment line, so the client
    /// (and a test) knows the stream is live before any event. Nil when full or stopped.
    public func subscribe() -> AsyncStream<[UInt8]>? {
        guard !stopped, clients.count < maxClients else { return nil }
        nextID += 1
        let id = nextID
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingOldest(clientBuffer))
        continuation.onTermination = { [weak self] _ in
            Task { await self?.remove(id) }
        }
        continuation.yield(Array("retry: 3000\n: connected\n\n".utf8))
        clients[id] = continuation
        return stream
    }

    /// A comment line to every client; keeps proxies from closing idle streams and lets
    /// clients notice a dead connection.
    public func heartbeat() {
        send(Array(": heartbeat\n\n".utf8))
    }

    /// Ends every stream and stops listening to the store.
    public func shutdown() {
        stopped = true
        pump?.cancel()
        pump = nil
        for continuation in clients.values {
            continuation.yield(Array("event: shutdown\ndata: {}\n\n".utf8))
            continuation.finish()
        }
        clients.removeAll()
    }

    func broadcast(_ record: VerificationRecord) {
        eventID += 1
        var bytes = Array("event: verification\nid: \(eventID)\ndata: ".utf8)
        bytes += VerificationView(record).json
        bytes += Array("\n\n".utf8)
        send(bytes)
    }

    private func resubscribed() {
        logger.warning("desk.events_resubscribed", ["clients": String(clients.count)])
        send(Array("event: resync\ndata: {}\n\n".utf8))
    }

    private func send(_ bytes: [UInt8]) {
        for (id, continuation) in clients {
            if case .dropped = continuation.yield(bytes) {
                logger.info("desk.events_client_dropped", ["reason": "fell \(clientBuffer) chunks behind"])
                continuation.finish()
                clients[id] = nil
            }
        }
    }

    private func remove(_ id: UInt64) {
        clients[id] = nil
    }
}
