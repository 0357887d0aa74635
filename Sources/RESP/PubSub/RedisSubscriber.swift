import Synchronization
import Sockets
import StructuredLogging

/// What a subscriber connection reports.
public enum RedisPubSubEvent: Sendable, Equatable {
    /// Every channel is subscribed (after the first connect and after each reconnect): from
    /// here on no message published to them is missed.
    case subscribed
    /// A message published to `channel`.
    case message(channel: String, payload: [UInt8])
    /// The connection was lost; messages published until the next `.subscribed` are missed.
    case disconnected(RedisError)
}

/// A dedicated pub/sub connection: SUBSCRIBE, messages as an `AsyncStream`, and after any loss
/// a reconnect with backoff and the same subscriptions again.
///
/// A PING every `pingInterval` catches a connection that died without a FIN (network cut): when
/// the previous PING is still unanswered at the next one, the connection is closed and opened
/// again.
public final class RedisSubscriber: Sendable {
    public let configuration: RedisClientConfiguration
    public let channels: [String]
    public let pingInterval: Duration
    /// Every event, in order. Single consumer.
    public let events: AsyncStream<RedisPubSubEvent>
    private let continuation: AsyncStream<RedisPubSubEvent>.Continuation
    private let logger: Logger
    private let loop = Mutex<Task<Void, Never>?>(nil)

    public init(configuration: RedisClientConfiguration, channels: [String], pingInterval: Duration = .seconds(5),
                logger: Logger = .disabled) {
        self.configuration = configuration
        self.channels = channels
        self.pingInterval = pingInterval
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: RedisPubSubEvent.self, bufferingPolicy: .bufferingNewest(10_000))
    }

    /// Starts connecting and subscribing (in the background). Idempotent.
    public func start() {
        loop.withLock { task in
            guard task == nil else { return }
            task = Task { [self] in await self.run() }
        }
    }

    /// Closes the connection, ends `events` and waits for the background task to finish.
    public func stop() async {
        let task = loop.withLock { $0 }
        task?.cancel()
        await task?.value
        continuation.finish()
    }

    private func run() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let connection = try await RedisConnector.open(configuration)
                failures = 0
                let error = await serve(connection)
                if Task.isCancelled { return }
                logger.warning("redis.subscriber.lost", ["server": configuration.endpoint.server, "reason": error.reason])
                continuation.yield(.disconnected(error))
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let redisError = (error as? RedisError) ?? RedisError(.connectionFailed, RedisConnection.describe(error))
                if failures == 1 {
                    logger.warning("redis.subscriber.unreachable", ["server": configuration.endpoint.server, "reason": redisError.reason])
                    continuation.yield(.disconnected(redisError))
                }
            }
            let delay = configuration.backoff.delay(afterFailures: max(failures, 1))
            do { try await Task.sleep(for: delay) } catch { return }
        }
    }

    private struct Session {
        var confirmed = Set<String>()
        var pingOutstanding = false
    }

    /// Subscribes on `connection` and delivers until it closes; returns why it closed.
    private func serve(_ connection: RedisConnection) async -> RedisError {
        let session = Mutex(Session())
        let wanted = Set(channels)
        connection.enterSubscriberMode { [continuation] value in
            guard let items = value.elements, let kind = items.first?.string?.lowercased() else { return }
            switch kind {
            case "message":
                guard items.count == 3, let channel = items[1].string, let payload = items[2].bytes else { return }
                continuation.yield(.message(channel: channel, payload: payload))
            case "subscribe":
                guard let channel = items.dropFirst().first?.string else { return }
                let complete = session.withLock { s -> Bool in
                    let before = s.confirmed.count
                    s.confirmed.insert(channel)
                    return before < wanted.count && s.confirmed.isSuperset(of: wanted)
                }
                if complete { continuation.yield(.subscribed) }
            case "pong":
                session.withLock { $0.pingOutstanding = false }
            default:
                break
            }
        }
        connection.send([RedisCommand("SUBSCRIBE", channels)])
        let pinger = ScheduledPinger(interval: pingInterval) { [weak connection] in
            guard let connection else { return false }
            let stale = session.withLock { s -> Bool in
                if s.pingOutstanding { return true }
                s.pingOutstanding = true
                return false
            }
            if stale {
                connection.close()
                return false
            }
            connection.send([RedisCommand("PING")])
            return true
        }
        pinger.start()
        let reason: RedisError = await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<RedisError, Never>) in
                connection.onClose { done.resume(returning: $0) }
            }
        } onCancel: {
            connection.close()
        }
        pinger.stop()
        return reason
    }
}

/// Runs `tick` every `interval` on the socket loop until it returns false or `stop()`.
private final class ScheduledPinger: Sendable {
    let interval: Duration
    let tick: @Sendable () -> Bool
    private let timer = Mutex<ScheduledTimer?>(nil)
    private let stopped = Atomic<Bool>(false)

    init(interval: Duration, tick: @escaping @Sendable () -> Bool) {
        self.interval = interval
        self.tick = tick
    }

    func start() { schedule() }

    func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        timer.withLock { $0 }?.cancel()
    }

    private func schedule() {
        let next = ScheduledTimer.schedule(after: interval) { [self] in
            guard !stopped.load(ordering: .sequentiallyConsistent), tick() else { return }
            schedule()
        }
        timer.withLock { $0 = next }
        if stopped.load(ordering: .sequentiallyConsistent) { next.cancel() }
    }
}
