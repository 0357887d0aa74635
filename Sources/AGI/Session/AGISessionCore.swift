import Sockets
import StructuredLogging
import Synchronization

/// The state of one session, driven by the transport's receive callback.
///
/// No task reads the socket: `receive` parses lines where they arrive and resumes the
/// waiting command's continuation directly, so an idle held call costs no task and a reply
/// costs no extra hop. All state sits behind one `Mutex`. A command's reply is resumed just
/// after the lock is released (``Effects``): the resumed task's first step is to take the
/// lock again (`releaseSlot`), and resuming inside it made that task, woken on another
/// thread, block on the lock the loop thread still held — a futex wait and an extra context
/// switch per AGI command. `Task.cancel()` and `transport.close()` run outside it too,
/// because they may call back into this object. Rarer resumes (environment, slot hand-over,
/// failures) still happen inside the lock.
final class AGISessionCore: Sendable {
    enum Phase: Sendable {
        case environment(AGIEnvironmentParser)
        case commands
    }

    struct Pending: Sendable {
        var id: UInt64
        var assembler = AGIReplyAssembler()
        var result: Result<AGIResponse, AGIError>?
        var continuation: CheckedContinuation<AGIResponse, any Error>?
    }

    struct State: Sendable {
        var splitter: AGILineSplitter
        var phase: Phase
        var environmentResult: Result<AGIEnvironment, AGIError>?
        var environmentContinuation: CheckedContinuation<Result<AGIEnvironment, AGIError>, Never>?
        var hungUp = false
        var closed = false
        var handlerTask: Task<Void, Never>?
        var hangupWaiters: [CheckedContinuation<Void, Never>] = []
        var busy = false
        var slotWaiters: [CheckedContinuation<Bool, Never>] = []
        var pending: Pending?
        var nextID: UInt64 = 0
        var commandCount = 0
        var failure: AGIError?
        var deadline: AGISessionDeadline?
        var armed: AGIArmedTimer?
        var armGeneration: UInt64 = 0
    }

    /// Work to do after the lock is released.
    struct Effects {
        /// A command's reply, resumed first, before the other effects (as when it was resumed under the lock).
        var reply: (CheckedContinuation<AGIResponse, any Error>, Result<AGIResponse, AGIError>)?
        var cancel: Task<Void, Never>?
        var hangupWaiters: [CheckedContinuation<Void, Never>] = []
        var closeTransport = false
    }

    let transport: any AGITransport
    let limits: AGISessionLimits
    let clock: any AGIDeadlineClock
    let logger: Mutex<Logger>
    /// Debug logging of commands is on (checked without taking the logger's lock).
    let logsCommands: Bool
    private let state: Mutex<State>

    init(transport: any AGITransport, limits: AGISessionLimits, clock: any AGIDeadlineClock = SocketLoopDeadlineClock(), logger: Logger) {
        self.transport = transport
        self.limits = limits
        self.clock = clock
        self.logger = Mutex(logger)
        self.logsCommands = logger.isEnabled(.debug)
        self.state = Mutex(State(
            splitter: AGILineSplitter(maxLineLength: limits.maxLineLength),
            phase: .environment(AGIEnvironmentParser(maxBytes: limits.maxEnvironmentBytes))))
    }

    var log: Logger { logger.withLock { $0 } }

    func withState<R>(_ body: (inout State) -> R) -> R {
        state.withLock { body(&$0) }
    }

    // MARK: inbound

    func start() {
        transport.startReceiving(
            onReceive: { [self] chunk in receive(chunk) },
            onClose: { [self] error in transportClosed(error) })
    }

    func receive(_ chunk: ArraySlice<UInt8>) {
        var effects = Effects()
        state.withLock { s in
            // After a fatal error the transport is being closed: ignore anything still arriving.
            guard !s.closed, s.failure == nil else { return }
            // Move the splitter out so the line callback may mutate the rest of the state
            // (swapping in an empty one avoids copying its buffer).
            var splitter = s.splitter
            s.splitter = AGILineSplitter(maxLineLength: 0)
            defer { s.splitter = splitter }
            do throws(AGIError) {
                try splitter.appendBytes(chunk) { line in
                    handle(line: line, state: &s, effects: &effects)
                    return !effects.closeTransport
                }
            } catch {
                fail(error, state: &s, effects: &effects)
            }
        }
        perform(effects)
    }

    private func handle(line bytes: ArraySlice<UInt8>, state s: inout State, effects: inout Effects) {
        switch s.phase {
        case .environment(var parser):
            // Move the parser out of the state so appending does not copy its entries.
            s.phase = .commands
            do {
                if let environment = try parser.consume(bytes: bytes) {
                    s.phase = .commands
                    finishEnvironment(.success(environment), state: &s)
                } else {
                    s.phase = .environment(parser)
                }
            } catch {
                s.phase = .environment(parser)
                fail(error, state: &s, effects: &effects)
            }
        case .commands:
            guard var pending = s.pending, pending.result == nil else {
                if bytes.elementsEqual(Self.hangupLine) || bytes.elementsEqual(Self.hangupLineCR) {
                    markHungUp(state: &s, effects: &effects)
                }
                // Anything else while no command waits is ignored (Asterisk sends nothing else).
                return
            }
            switch pending.assembler.consume(bytes: bytes) {
            case .needMore:
                s.pending = pending
            case .hangup:
                s.pending = pending
                markHungUp(state: &s, effects: &effects)
            case .reply(let result):
                if case .reply(let id, _)? = s.deadline?.purpose, id == pending.id { s.deadline = nil }
                if let continuation = pending.continuation {
                    pending.continuation = nil
                    effects.reply = (continuation, result)
                } else {
                    pending.result = result
                }
                s.pending = pending
                if case .failure(let error) = result {
                    // A reply we cannot read leaves the stream out of step: end the session.
                    fail(error, state: &s, effects: &effects)
                }
            }
        }
    }

    private static let hangupLine: [UInt8] = Array("HANGUP".utf8)
    private static let hangupLineCR: [UInt8] = Array("HANGUP\r".utf8)

    private func finishEnvironment(_ result: Result<AGIEnvironment, AGIError>, state s: inout State) {
        guard s.environmentResult == nil else { return }
        s.environmentResult = result
        if s.deadline?.purpose == .environment { s.deadline = nil }
        if let continuation = s.environmentContinuation {
            s.environmentContinuation = nil
            continuation.resume(returning: result)
        }
    }

    private func markHungUp(state s: inout State, effects: inout Effects) {
        guard !s.hungUp else { return }
        s.hungUp = true
        effects.cancel = s.handlerTask
        s.handlerTask = nil
        effects.hangupWaiters = s.hangupWaiters
        s.hangupWaiters = []
    }

    /// A fatal problem: record it, fail every waiter, and close the transport.
    func fail(_ error: AGIError, state s: inout State, effects: inout Effects) {
        if s.failure == nil {
            s.failure = error
            // Logged before any waiter is resumed, so the line exists by the time the handler
            // (and the session) can observe the failure. A rare path: logging under the lock is fine.
            log.error("agi.session.error", ["error": error.kind.name, "reason": error.reason])
        }
        effects.closeTransport = true
        finishEnvironment(.failure(error), state: &s)
        failPending(error, state: &s)
    }

    private func failPending(_ error: AGIError, state s: inout State) {
        guard var pending = s.pending, pending.result == nil else { return }
        pending.result = .failure(error)
        if let continuation = pending.continuation {
            pending.continuation = nil
            continuation.resume(throwing: error)
        }
        s.pending = pending
    }

    func transportClosed(_ error: (any Error)?) {
        var effects = Effects()
        state.withLock { s in
            guard !s.closed else { return }
            s.closed = true
            let closedError = AGIError(.closed, "connection closed")
            finishEnvironment(.failure(closedError), state: &s)
            failPending(closedError, state: &s)
            markHungUp(state: &s, effects: &effects)
            for waiter in s.slotWaiters { waiter.resume(returning: false) }
            s.slotWaiters = []
        }
        perform(effects)
        disarm()
    }

    func perform(_ effects: Effects) {
        if let (continuation, result) = effects.reply { continuation.resume(with: result.mapError { $0 as any Error }) }
        if effects.closeTransport { transport.close() }
        effects.cancel?.cancel()
        for waiter in effects.hangupWaiters { waiter.resume() }
    }

    // MARK: environment

    func waitForEnvironment() async -> Result<AGIEnvironment, AGIError> {
        setDeadline(AGISessionDeadline(at: clock.now + limits.environmentTimeout, purpose: .environment))
        return await withCheckedContinuation { continuation in
            state.withLock { s in
                if let result = s.environmentResult {
                    continuation.resume(returning: result)
                } else {
                    s.environmentContinuation = continuation
                }
            }
        }
    }

    /// A deadline passed (called with the lock held).
    func expire(_ purpose: AGISessionDeadline.Purpose, state s: inout State, effects: inout Effects) {
        switch purpose {
        case .environment:
            guard s.environmentResult == nil else { return }
            fail(AGIError(.timedOut, "no complete environment block within \(limits.environmentTimeout)"),
                 state: &s, effects: &effects)
        case .reply(let id, let timeout):
            guard let pending = s.pending, pending.id == id, pending.result == nil else { return }
            fail(AGIError(.timedOut, "no reply within \(timeout)"), state: &s, effects: &effects)
        }
    }

    // MARK: hang-up

    var isHungUp: Bool { state.withLock { $0.hungUp } }
    var isClosed: Bool { state.withLock { $0.closed } }
    var failure: AGIError? { state.withLock { $0.failure } }
    var commandCount: Int { state.withLock { $0.commandCount } }

    /// Registers the handler's task so a hang-up cancels it; cancels at once if already hung up.
    func setHandlerTask(_ task: Task<Void, Never>) {
        let cancelNow = state.withLock { s -> Bool in
            if s.hungUp { return true }
            s.handlerTask = task
            return false
        }
        if cancelNow { task.cancel() }
    }

    func clearHandlerTask() {
        state.withLock { $0.handlerTask = nil }
    }

    func waitForHangup() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.hungUp { return true }
                s.hangupWaiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    // MARK: commands

    /// Sends one encoded line and waits for its reply. One command is in flight at a time;
    /// concurrent callers queue in FIFO order.
    func perform(line bytes: [UInt8], replyTimeout: Duration) async throws(AGIError) -> AGIResponse {
        try await acquireSlot()
        defer { releaseSlot() }
        let id: UInt64 = state.withLock { s in
            s.nextID &+= 1
            s.commandCount += 1
            s.pending = Pending(id: s.nextID)
            return s.nextID
        }
        setDeadline(AGISessionDeadline(at: clock.now + replyTimeout, purpose: .reply(id: id, timeout: replyTimeout)))
        do {
            try await transport.send(bytes)
        } catch {
            state.withLock { $0.pending = nil }
            throw AGIError(.closed, "connection closed while sending")
        }
        do {
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<AGIResponse, any Error>) in
                state.withLock { s in
                    guard var pending = s.pending, pending.id == id else {
                        continuation.resume(throwing: AGIError(.closed, "connection closed"))
                        return
                    }
                    if let result = pending.result {
                        continuation.resume(with: result.mapError { $0 as any Error })
                    } else {
                        pending.continuation = continuation
                        s.pending = pending
                    }
                }
            }
        } catch let error as AGIError {
            throw error
        } catch {
            throw AGIError(.protocolViolation, "unexpected error")
        }
    }

    private func acquireSlot() async throws(AGIError) {
        let immediate: Bool? = state.withLock { s in
            if s.closed { return false }
            if !s.busy {
                s.busy = true
                return true
            }
            return nil
        }
        if let immediate {
            if immediate { return }
            throw AGIError(.closed, "connection closed")
        }
        let granted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            state.withLock { s in
                if s.closed {
                    continuation.resume(returning: false)
                } else if !s.busy {
                    s.busy = true
                    continuation.resume(returning: true)
                } else {
                    s.slotWaiters.append(continuation)
                }
            }
        }
        if !granted { throw AGIError(.closed, "connection closed") }
    }

    private func releaseSlot() {
        state.withLock { s in
            s.pending = nil
            if s.slotWaiters.isEmpty {
                s.busy = false
            } else {
                // Hand the slot over directly (busy stays true).
                s.slotWaiters.removeFirst().resume(returning: true)
            }
        }
    }
}
