import Synchronization

/// A small pool of pipelined connections to one Redis or Valkey server.
///
/// Each connection carries any number of commands at once, so a handful of them serve a whole
/// server's traffic. A connection that closes (server restart, timeout, network) is replaced on
/// the next command that lands on its slot; a failed attempt sets a backoff during which that
/// slot's commands fail at once with `.unavailable` instead of waiting, so callers can fall back
/// quickly while the store is away. Recovery needs nobody: the first command after the backoff
/// connects again.
///
/// Commands are never retried by the client: most of ours (ZADD, PUBLISH) are not idempotent,
/// and the caller knows better whether to retry.
public final class RedisClient: Sendable {
    public let configuration: RedisClientConfiguration
    private let now: @Sendable () -> ContinuousClock.Instant

    /// One pool position; the state machine of its connection.
    private enum Slot {
        /// No connection. `retryAt` nil = connect on the next command.
        case idle(failures: Int, retryAt: ContinuousClock.Instant?, lastError: RedisError?)
        case connecting(Task<RedisConnection, any Error>)
        case ready(RedisConnection)
        case shutDown
    }

    private struct State {
        var slots: [Slot]
        var next = 0
    }

    private let state: Mutex<State>

    public init(configuration: RedisClientConfiguration, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.configuration = configuration
        self.now = now
        self.state = Mutex(State(slots: Array(repeating: .idle(failures: 0, retryAt: nil, lastError: nil), count: configuration.poolSize)))
    }

    /// Runs one command; an error reply is thrown as `RedisError` (`.serverError`, or
    /// `.authenticationFailed` for NOAUTH/WRONGPASS).
    public func execute(_ command: RedisCommand) async throws -> RESPValue {
        let reply = try await pipeline([command])[0]
        if case .error(let text) = reply {
            throw RedisError.fromReply(text, command: command.name, server: configuration.endpoint.server)
        }
        return reply
    }

    /// Convenience: `execute(RedisCommand(name, arguments))`.
    public func execute(_ name: String, _ arguments: [String] = []) async throws -> RESPValue {
        try await execute(RedisCommand(name, arguments))
    }

    /// Sends the commands in one write and returns every reply in order; error replies are
    /// values (`.error`) here so one refused command does not hide the others' answers.
    ///
    /// Throws `RedisError`: `.unavailable` (in backoff after failures), `.connectionFailed`,
    /// `.authenticationFailed`, `.tlsFailed`, `.timedOut`, `.connectionClosed`,
    /// `.protocolViolation`, `.shutDown`.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        let connection = try await connection()
        return try await connection.execute(commands, timeout: configuration.timeout)
    }

    /// Connects (or reuses) a connection now: for `check-config` and start-up checks.
    public func ping() async throws {
        let reply = try await execute(RedisCommand("PING"))
        guard reply.string == "PONG" else {
            throw RedisError(.protocolViolation, "\(configuration.endpoint.server) answered PING with a \(reply.typeName)")
        }
    }

    /// Closes every connection; later commands fail with `.shutDown`.
    public func shutdown() {
        let slots = state.withLock { s in
            defer { s.slots = Array(repeating: .shutDown, count: s.slots.count) }
            return s.slots
        }
        for slot in slots {
            switch slot {
            case .ready(let connection): connection.close()
            case .connecting(let task): task.cancel()
            case .idle, .shutDown: break
            }
        }
    }

    // MARK: - Pool

    private enum Pick {
        case use(RedisConnection)
        case wait(Task<RedisConnection, any Error>)
        case fail(RedisError)
    }

    private func connection() async throws -> RedisConnection {
        switch pick() {
        case .use(let connection): return connection
        case .fail(let error): throw error
        case .wait(let task): return try await task.value
        }
    }

    /// A live connection if any slot has one (round robin from the next slot), else the
    /// connect attempt of the next slot: an ongoing one, or a new one if its backoff is over.
    private func pick() -> Pick {
        let t = now()
        return state.withLock { s -> Pick in
            let count = s.slots.count
            s.next = (s.next + 1) % count
            for offset in 0..<count {
                let index = (s.next + offset) % count
                if case .ready(let connection) = s.slots[index] {
                    if connection.isOpen { return .use(connection) }
                    // Lost after working: connect again at once; backoff only after a failed attempt.
                    s.slots[index] = .idle(failures: 0, retryAt: nil, lastError: nil)
                }
            }
            let index = s.next
            switch s.slots[index] {
            case .ready(let connection):
                return .use(connection)  // not reached: open ones were taken above
            case .connecting(let task):
                return .wait(task)
            case .shutDown:
                return .fail(RedisError(.shutDown, "the Redis client was shut down"))
            case .idle(let failures, let retryAt, let lastError):
                if let retryAt, t < retryAt {
                    let ms = Self.milliseconds(retryAt - t)
                    let why = lastError.map { ": \($0.reason)" } ?? ""
                    return .fail(RedisError(.unavailable, "\(configuration.endpoint.server) unreachable, next attempt in \(ms) ms\(why)"))
                }
                let task = Task { [self] in try await self.connect(slot: index, failuresBefore: failures) }
                s.slots[index] = .connecting(task)
                return .wait(task)
            }
        }
    }

    private func connect(slot index: Int, failuresBefore failures: Int) async throws -> RedisConnection {
        do {
            let connection = try await RedisConnector.open(configuration)
            let kept = state.withLock { s -> Bool in
                guard case .connecting = s.slots[index] else { return false }
                s.slots[index] = .ready(connection)
                return true
            }
            if !kept {
                connection.close()
                throw RedisError(.shutDown, "the Redis client was shut down")
            }
            return connection
        } catch {
            let redisError = (error as? RedisError) ?? RedisError(.connectionFailed, "cannot connect to \(configuration.endpoint.server): \(RedisConnection.describe(error))")
            let delay = configuration.backoff.delay(afterFailures: failures + 1)
            let t = now()
            state.withLock { s in
                guard case .connecting = s.slots[index] else { return }
                s.slots[index] = .idle(failures: failures + 1, retryAt: t + delay, lastError: redisError)
            }
            throw redisError
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
