import Sockets
import Synchronization

/// One connection to the server, with any number of commands in flight (pipelining).
///
/// Callers append their encoded commands and a waiter under one lock, so bytes on the wire and
/// waiters are always in the same order; whichever caller finds no flush running writes the
/// whole outbox (later callers' bytes included). One reader task decodes replies and hands them
/// to the waiters in order.
///
/// A command that gets no answer within its timeout closes the connection: a server that is
/// stuck answers nothing else either, and a fresh connection is the only way to be sure the
/// next reply belongs to the next command. A cancelled caller leaves its waiter in place with no
/// one to resume, so its reply is still consumed in order.
///
/// In subscriber mode (pub/sub) there are no waiters: every decoded value goes to the handler.
final class RedisConnection: Sendable {
    let stream: any RedisByteStream
    /// `host:port`, for messages.
    let server: String

    private struct Waiter {
        let id: UInt64
        let expected: Int
        let command: String
        var replies: [RESPValue] = []
        var continuation: UnsafeContinuation<[RESPValue], any Error>?
        var timer: ScheduledTimer?
    }

    private struct State {
        var decoder: RESPDecoder
        var waiters: [Waiter] = []
        var outbox: [UInt8] = []
        var flushing = false
        var closedBy: RedisError?
        var nextID: UInt64 = 0
        var subscriber: (@Sendable (RESPValue) -> Void)?
        var closeHandlers: [@Sendable (RedisError) -> Void] = []
    }

    private let state: Mutex<State>

    init(stream: any RedisByteStream, server: String, limits: RESPLimits = RESPLimits()) {
        self.stream = stream
        self.server = server
        self.state = Mutex(State(decoder: RESPDecoder(limits: limits)))
        Task { [self] in await self.readLoop() }
    }

    var isOpen: Bool { state.withLock { $0.closedBy == nil } }

    /// Runs `onClose` once when the connection closes (at once if it already has).
    func onClose(_ handler: @escaping @Sendable (RedisError) -> Void) {
        let already: RedisError? = state.withLock { s in
            if let closed = s.closedBy { return closed }
            s.closeHandlers.append(handler)
            return nil
        }
        if let already { handler(already) }
    }

    /// Sends `commands` and returns their replies in order (an `.error` reply is a value here,
    /// not a thrown error: in a pipeline one refused command does not void the others).
    ///
    /// Throws `RedisError` `.timedOut` (then the connection is closed), `.connectionClosed`,
    /// `.protocolViolation`, or `CancellationError`.
    func execute(_ commands: [RedisCommand], timeout: Duration) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        let bytes = RESPEncoder.encode(commands)
        let name = commands.count == 1 ? commands[0].name : "a pipeline of \(commands.count) commands (\(commands[0].name)...)"
        let id = state.withLock { s -> UInt64 in s.nextID &+= 1; return s.nextID }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<[RESPValue], any Error>) in
                let timer = ScheduledTimer.schedule(after: timeout) { [weak self] in
                    self?.timedOut(id: id, command: name, after: timeout)
                }
                enum Next { case fail(RedisError), flush, wait }
                let next: Next = state.withLock { s in
                    if let closed = s.closedBy { return .fail(closed) }
                    if Task.isCancelled { return .fail(RedisError(.shutDown, "cancelled")) }
                    s.waiters.append(Waiter(id: id, expected: commands.count, command: name, continuation: continuation, timer: timer))
                    s.outbox.append(contentsOf: bytes)
                    if s.flushing { return .wait }
                    s.flushing = true
                    return .flush
                }
                switch next {
                case .fail(let error):
                    timer.cancel()
                    continuation.resume(throwing: error)
                case .flush:
                    Task { await self.flush() }
                case .wait:
                    break
                }
            }
        } onCancel: {
            self.abandon(id: id)
        }
    }

    /// Subscriber mode: every value from now on goes to `handler` (on the reader task, in order).
    func enterSubscriberMode(_ handler: @escaping @Sendable (RESPValue) -> Void) {
        state.withLock { $0.subscriber = handler }
    }

    /// Sends commands whose answers arrive through the subscriber handler.
    func send(_ commands: [RedisCommand]) {
        let start: Bool = state.withLock { s in
            guard s.closedBy == nil else { return false }
            s.outbox.append(contentsOf: RESPEncoder.encode(commands))
            if s.flushing { return false }
            s.flushing = true
            return true
        }
        if start { Task { await self.flush() } }
    }

    /// Closes the connection; waiting commands fail with `.shutDown`.
    func close() {
        fail(RedisError(.shutDown, "connection to \(server) closed by this client"))
    }

    // MARK: - Internals

    private func flush() async {
        while true {
            let bytes: [UInt8]? = state.withLock { s in
                if s.outbox.isEmpty || s.closedBy != nil {
                    s.flushing = false
                    return nil
                }
                defer { s.outbox = [] }
                return s.outbox
            }
            guard let bytes else { return }
            do {
                try await stream.write(bytes, timeout: .seconds(10))
            } catch {
                fail(RedisError(.connectionClosed, "writing to \(server) failed: \(Self.describe(error))"))
                return
            }
        }
    }

    private func readLoop() async {
        while true {
            let bytes: [UInt8]
            do {
                bytes = try await stream.read(maxBytes: 65_536, timeout: nil)
            } catch {
                fail(RedisError(.connectionClosed, "connection to \(server) lost: \(Self.describe(error))"))
                return
            }
            if bytes.isEmpty {
                fail(RedisError(.connectionClosed, "\(server) closed the connection"))
                return
            }
            if !deliver(bytes) { return }
        }
    }

    /// Decodes what arrived and completes the waiters it answers. False once closed.
    private func deliver(_ bytes: [UInt8]) -> Bool {
        var completed: [(UnsafeContinuation<[RESPValue], any Error>?, ScheduledTimer?, [RESPValue])] = []
        var pushed: [RESPValue] = []
        var handler: (@Sendable (RESPValue) -> Void)?
        var failure: RedisError?
        state.withLock { s in
            guard s.closedBy == nil else { failure = s.closedBy; return }
            s.decoder.append(bytes)
            handler = s.subscriber
            while true {
                let value: RESPValue?
                do {
                    value = try s.decoder.next()
                } catch {
                    failure = RedisError(.protocolViolation, "\(server) sent something that is not RESP: \(error)")
                    return
                }
                guard let value else { return }
                if handler != nil {
                    pushed.append(value)
                    continue
                }
                guard !s.waiters.isEmpty else {
                    failure = RedisError(.protocolViolation, "\(server) sent a \(value.typeName) nobody asked for")
                    return
                }
                s.waiters[0].replies.append(value)
                if s.waiters[0].replies.count == s.waiters[0].expected {
                    let done = s.waiters.removeFirst()
                    completed.append((done.continuation, done.timer, done.replies))
                }
            }
        }
        for (continuation, timer, replies) in completed {
            timer?.cancel()
            continuation?.resume(returning: replies)
        }
        if let handler { for value in pushed { handler(value) } }
        if let failure {
            fail(failure)
            return false
        }
        return true
    }

    private func timedOut(id: UInt64, command: String, after timeout: Duration) {
        let isWaiting = state.withLock { s in s.waiters.contains { $0.id == id } }
        guard isWaiting else { return }
        let ms = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        fail(RedisError(.timedOut, "\(server) did not answer \(command) within \(ms) ms; connection closed"), only: id,
             others: RedisError(.connectionClosed, "connection to \(server) closed after a command timed out"))
    }

    private func abandon(id: UInt64) {
        let taken: (UnsafeContinuation<[RESPValue], any Error>, ScheduledTimer?)? = state.withLock { s in
            guard let index = s.waiters.firstIndex(where: { $0.id == id }),
                  let continuation = s.waiters[index].continuation else { return nil }
            s.waiters[index].continuation = nil
            return (continuation, s.waiters[index].timer)
        }
        if let (continuation, timer) = taken {
            timer?.cancel()
            continuation.resume(throwing: CancellationError())
        }
    }

    /// Closes the connection and fails every waiter: `only` (if given) with `error`, the
    /// others with `others` (default: `error`).
    private func fail(_ error: RedisError, only: UInt64? = nil, others: RedisError? = nil) {
        let taken: ([Waiter], [@Sendable (RedisError) -> Void])? = state.withLock { s in
            guard s.closedBy == nil else { return nil }
            s.closedBy = others ?? error
            defer { s.waiters = []; s.closeHandlers = []; s.outbox = [] }
            return (s.waiters, s.closeHandlers)
        }
        guard let (waiters, handlers) = taken else { return }
        stream.close()
        for waiter in waiters {
            waiter.timer?.cancel()
            let reason = only == nil || waiter.id == only ? error : (others ?? error)
            waiter.continuation?.resume(throwing: reason)
        }
        for handler in handlers { handler(error) }
    }

    static func describe(_ error: any Error) -> String {
        if let socket = error as? SocketError { return socket.reason }
        if let redis = error as? RedisError { return redis.reason }
        return String(describing: error)
    }
}
