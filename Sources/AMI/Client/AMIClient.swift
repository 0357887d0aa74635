import Foundation
import Sockets
import StructuredLogging
import Synchronization

/// A manager connection to Asterisk that stays up: it logs in, hands every event to the
/// subscribers of `events()`, and after a failed attempt or a dropped connection tries again
/// with exponential backoff until `stop()`.
///
/// Actions (`send`, `setVariable`, `userEvent`) only go out while logged in; otherwise they
/// fail at once with `.notConnected`, so a caller never waits on a manager port that is down
/// (queue mode then falls back to polling alone). The secret is sent in the Login action and
/// nowhere else: not in a log line, an error or a description.
public final class AMIClient: Sendable {
    /// Where the client is. One enum, so it is never half connected.
    public enum State: Sendable, Equatable, CustomStringConvertible {
        case idle
        case connecting(attempt: Int)
        /// Logged in; the banner's version (`11.0.0`).
        case connected(version: String)
        /// After `failures` failed attempts in a row; the next one after `delay`.
        case waitingToReconnect(failures: Int, delay: Duration, reason: String)
        case stopped

        public var isConnected: Bool { if case .connected = self { true } else { false } }

        public var description: String {
            switch self {
            case .idle: "idle"
            case .connecting(let attempt): "connecting(attempt \(attempt))"
            case .connected(let version): "connected(\(version))"
            case .waitingToReconnect(let failures, let delay, let reason): "waiting(\(failures) failures, \(delay)): \(reason)"
            case .stopped: "stopped"
            }
        }
    }

    public let configuration: AMIClientConfiguration
    private let connector: AMIConnector
    private let logger: Logger
    private let shared = Mutex(Shared())

    private struct Shared {
        var state: State = .idle
        var connection: AMIConnection?
        var loop: Task<Void, Never>?
        var eventSubscribers: [UInt64: AsyncStream<AMIMessage>.Continuation] = [:]
        var stateSubscribers: [UInt64: AsyncStream<State>.Continuation] = [:]
        var nextSubscriber: UInt64 = 0
    }

    public init(configuration: AMIClientConfiguration, logger: Logger, connector: AMIConnector = .tcp) {
        self.configuration = configuration
        self.connector = connector
        self.logger = logger.with("ami", configuration.address.description)
    }

    public var state: State { shared.withLock { $0.state } }

    /// Starts connecting in the background. Idempotent.
    public func start() {
        shared.withLock { s in
            guard s.loop == nil, s.state != .stopped else { return }
            s.loop = Task { await self.run() }
        }
    }

    /// Logs off (best effort), closes the connection, ends every stream. Returns once the
    /// background task has finished.
    public func stop() async {
        let (loop, connection) = shared.withLock { s -> (Task<Void, Never>?, AMIConnection?) in
            (s.loop, s.connection)
        }
        if let connection {
            _ = try? await connection.send("Logoff", [], timeout: .seconds(1))
            connection.close()
        }
        loop?.cancel()
        await loop?.value
        let (events, states) = shared.withLock { s in
            s.connection?.close()
            s.connection = nil
            s.state = .stopped
            defer {
                s.eventSubscribers = [:]
                s.stateSubscribers = [:]
            }
            return (Array(s.eventSubscribers.values), Array(s.stateSubscribers.values))
        }
        for subscriber in states {
            subscriber.yield(.stopped)
            subscriber.finish()
        }
        for subscriber in events { subscriber.finish() }
    }

    /// Every event from now on (all connections, until `stop()`).
    public func events() -> AsyncStream<AMIMessage> {
        let (stream, continuation) = AsyncStream<AMIMessage>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let id = shared.withLock { s -> UInt64 in
            s.nextSubscriber += 1
            s.eventSubscribers[s.nextSubscriber] = continuation
            return s.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            self?.shared.withLock { _ = $0.eventSubscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// The current state, then every change (a readiness signal for tests and `/readyz`).
    public func states() -> AsyncStream<State> {
        let (stream, continuation) = AsyncStream<State>.makeStream(bufferingPolicy: .bufferingNewest(100))
        let id = shared.withLock { s -> UInt64 in
            s.nextSubscriber += 1
            s.stateSubscribers[s.nextSubscriber] = continuation
            continuation.yield(s.state)
            return s.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            self?.shared.withLock { _ = $0.stateSubscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Sends one action over the current connection. Throws `.notConnected` when not logged
    /// in, `.timedOut`, `.actionFailed` (Asterisk's `Message:`), `.disconnected`.
    public func send(_ action: String, _ headers: [(name: String, value: String)], timeout: Duration? = nil) async throws -> AMIMessage {
        guard let connection = shared.withLock({ $0.connection }) else {
            throw AMIError(.notConnected, "not logged in to the manager port \(configuration.address) (\(state))")
        }
        return try await connection.send(action, headers, timeout: timeout ?? configuration.actionTimeout)
    }

    /// `Action: Setvar` on `channel` (the full channel name, e.g. `PJSIP/trunk-00000001`).
    public func setVariable(channel: String, name: String, value: String) async throws {
        _ = try await send("Setvar", [("Channel", channel), ("Variable", name), ("Value", value)])
    }

    /// `Action: UserEvent`: Asterisk sends `Event: UserEvent` with `UserEvent: name` and the
    /// headers to every manager session allowed to read `user` events (CRMs, the agent desk).
    public func userEvent(_ name: String, _ headers: [(name: String, value: String)]) async throws {
        _ = try await send("UserEvent", [("UserEvent", name)] + headers)
    }

    // MARK: - The connection loop

    private func run() async {
        var failures = 0
        while !Task.isCancelled {
            set(.connecting(attempt: failures + 1))
            do {
                let connection = try await AMIConnection.open(configuration, connector: connector, logger: logger) { [weak self] event in
                    self?.deliver(event)
                }
                let version = connection.banner.map { String($0.dropFirst("Asterisk Call Manager/".count)) } ?? "?"
                let kept = shared.withLock { s -> Bool in
                    guard !Task.isCancelled, s.state != .stopped else { return false }
                    s.connection = connection
                    return true
                }
                guard kept else {
                    connection.close()
                    return
                }
                failures = 0
                logger.info("ami.connected", ["user": configuration.username, "version": version])
                set(.connected(version: version))
                let reason = await withTaskCancellationHandler {
                    await connection.ended()
                } onCancel: {
                    connection.close()
                }
                shared.withLock { s in if s.connection === connection { s.connection = nil } }
                if Task.isCancelled { return }
                logger.warning("ami.disconnected", ["reason": reason.reason])
                failures = 1
                let delay = configuration.reconnect.delay(afterFailures: failures)
                set(.waitingToReconnect(failures: failures, delay: delay, reason: reason.reason))
                try? await Task.sleep(for: delay)
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let reason = (error as? AMIError)?.reason ?? String(describing: type(of: error))
                let delay = configuration.reconnect.delay(afterFailures: failures)
                if (error as? AMIError)?.kind == .authenticationFailed {
                    logger.error("ami.login_failed", ["user": configuration.username, "reason": reason, "retryInMs": Self.milliseconds(delay)])
                } else {
                    logger.warning("ami.connect_failed", ["reason": reason, "failures": String(failures), "retryInMs": Self.milliseconds(delay)])
                }
                set(.waitingToReconnect(failures: failures, delay: delay, reason: reason))
                // The backoff between attempts; cancelled (and the loop ended) by stop().
                try? await Task.sleep(for: delay)
            }
        }
    }

    private func set(_ state: State) {
        let subscribers = shared.withLock { s -> [AsyncStream<State>.Continuation] in
            guard s.state != .stopped else { return [] }
            s.state = state
            return Array(s.stateSubscribers.values)
        }
        for subscriber in subscribers { subscriber.yield(state) }
    }

    private func deliver(_ event: AMIMessage) {
        let subscribers = shared.withLock { Array($0.eventSubscribers.values) }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(duration / .milliseconds(1))
    }
}
