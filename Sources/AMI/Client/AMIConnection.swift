import Sockets
import StructuredLogging
import Synchronization

/// One connection to the manager port, from the banner to its end: actions go out with a
/// fresh `ActionID` each and wait for the `Response:` carrying it (or their timeout); events
/// go to `onEvent` in arrival order. When the connection ends, every waiting action fails
/// with `.disconnected` at once.
///
/// `AMIClient` owns one at a time and replaces it after a disconnect; nothing here retries.
final class AMIConnection: Sendable {
    private let stream: any AMIByteStream
    private let onEvent: @Sendable (AMIMessage) -> Void
    private let logger: Logger
    private let state = Mutex(State())

    private struct Pending {
        let continuation: CheckedContinuation<AMIMessage, any Error>
        let timer: ScheduledTimer
    }

    private struct State {
        var nextActionID: UInt64 = 0
        var pending: [String: Pending] = [:]
        var ended: AMIError?
        var endWaiters: [CheckedContinuation<AMIError, Never>] = []
        var banner: String?
    }

    private init(stream: any AMIByteStream, logger: Logger, onEvent: @escaping @Sendable (AMIMessage) -> Void) {
        self.stream = stream
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Connects and logs in. Throws `.unreachable`, `.authenticationFailed`,
    /// `.protocolViolation`, `.timedOut`, `.tls`.
    static func open(
        _ configuration: AMIClientConfiguration, connector: AMIConnector, logger: Logger,
        onEvent: @escaping @Sendable (AMIMessage) -> Void
    ) async throws -> AMIConnection {
        let stream = try await connector.open(configuration)
        let connection = AMIConnection(stream: stream, logger: logger, onEvent: onEvent)
        Task { await connection.readLoop() }
        do {
            _ = try await connection.send(
                "Login",
                [("Username", configuration.username), ("Secret", configuration.secret.value), ("Events", configuration.eventMask)],
                timeout: configuration.actionTimeout)
        } catch let error as AMIError where error.kind == .actionFailed {
            connection.close()
            // Asterisk says only "Authentication failed" (and closes): user, secret or permit=.
            throw AMIError(.authenticationFailed, "Asterisk refused the login of manager user \"\(configuration.username)\": \(error.reason)")
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// The banner line, once read.
    var banner: String? { state.withLock { $0.banner } }

    /// Sends one action and returns its response. `Response: Error` throws `.actionFailed`
    /// with Asterisk's `Message:`; no response within `timeout` throws `.timedOut` (a late
    /// response is then dropped).
    func send(_ action: String, _ headers: [(name: String, value: String)], timeout: Duration) async throws -> AMIMessage {
        let actionID: String = try state.withLock { s in
            if let ended = s.ended { throw ended }
            s.nextActionID += 1
            return "ciba-agi-\(s.nextActionID)"
        }
        let message = AMIMessage.action(action, actionID: actionID, headers)
        let response: AMIMessage = try await withCheckedThrowingContinuation { continuation in
            let timer = ScheduledTimer.schedule(after: timeout) { [weak self] in
                self?.fail(actionID, AMIError(.timedOut, "no response to \(action) within \(timeout)"))
            }
            let failure: AMIError? = state.withLock { s in
                if let ended = s.ended { return ended }
                s.pending[actionID] = Pending(continuation: continuation, timer: timer)
                return nil
            }
            if let failure {
                timer.cancel()
                continuation.resume(throwing: failure)
                return
            }
            Task {
                do { try await self.stream.write(message.encoded(), timeout: timeout) } catch {
                    self.end(AMIError(.disconnected, "writing \(action) to the manager port failed"))
                }
            }
        }
        if response.response?.caseInsensitiveCompare("Error") == true {
            throw AMIError(.actionFailed, response.message ?? "Response: Error")
        }
        return response
    }

    /// Waits until the connection has ended; returns why.
    func ended() async -> AMIError {
        await withCheckedContinuation { continuation in
            let done: AMIError? = state.withLock { s in
                if let ended = s.ended { return ended }
                s.endWaiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    func close() {
        end(AMIError(.disconnected, "closed by ciba-agi"))
    }

    // MARK: - Reading

    private func readLoop() async {
        var parser = AMIMessageParser()
        while true {
            let bytes: [UInt8]
            do {
                bytes = try await stream.read(maxBytes: 65_536, timeout: nil)
            } catch {
                end(AMIError(.disconnected, "the manager connection failed: \(Self.describe(error))"))
                return
            }
            if bytes.isEmpty {
                end(AMIError(.disconnected, "Asterisk closed the manager connection"))
                return
            }
            let messages: [AMIMessage]
            do {
                messages = try parser.feed(bytes)
            } catch {
                end(error)
                return
            }
            if let banner = parser.banner {
                state.withLock { s in if s.banner == nil { s.banner = banner } }
            }
            for message in messages { dispatch(message) }
            if let failure = parser.failure {  // a violation after the messages just dispatched
                end(failure)
                return
            }
        }
    }

    private func dispatch(_ message: AMIMessage) {
        if message.eventName != nil {
            onEvent(message)
            return
        }
        guard let actionID = message.actionID else {
            logger.debug("ami.unmatched_response", ["response": message.response ?? "-"])
            return
        }
        let pending = state.withLock { $0.pending.removeValue(forKey: actionID) }
        if let pending {
            pending.timer.cancel()
            pending.continuation.resume(returning: message)
        }
    }

    private func fail(_ actionID: String, _ error: AMIError) {
        let pending = state.withLock { $0.pending.removeValue(forKey: actionID) }
        if let pending {
            pending.timer.cancel()
            pending.continuation.resume(throwing: error)
        }
    }

    private func end(_ reason: AMIError) {
        let ending: (pending: [Pending], waiters: [CheckedContinuation<AMIError, Never>])? = state.withLock { s in
            guard s.ended == nil else { return nil }
            s.ended = reason
            defer {
                s.pending = [:]
                s.endWaiters = []
            }
            return (Array(s.pending.values), s.endWaiters)
        }
        guard let ending else { return }
        stream.close()
        for item in ending.pending {
            item.timer.cancel()
            item.continuation.resume(throwing: reason)
        }
        for waiter in ending.waiters { waiter.resume(returning: reason) }
    }

    private static func describe(_ error: any Error) -> String {
        if let socket = error as? SocketError { return socket.reason }
        return String(describing: type(of: error))
    }
}
