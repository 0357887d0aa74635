import AGI

/// The Asterisk side of one call, as a state machine fed by one event stream (server lines,
/// timers, EOF). It lives entirely inside the task that drives it, so it needs no locks.
///
/// Behaviour follows the fixtures in `Tests/AGITests/Fixtures/asterisk/` (see its README).
final class FakeAsteriskEngine {
    enum Event: Sendable {
        case bytes([UInt8])
        case closed
        case timer(Int)
        case deadline
        /// Virtual time only (``FakeTimeline``): run the timers due up to this call time.
        case advance(Duration, id: Int)
    }

    enum TimerAction {
        /// The first digit now, the rest one `gap` apart (chained, so they never reorder).
        case keypresses([Character], gap: Duration)
        case callerHangup
        case finish(serial: Int)
        case promptEnd(serial: Int)
        case digitTimeout(serial: Int)
        case hangupNotice
    }

    enum RunningKind {
        case waitForDigit
        /// STREAM FILE, CONTROL STREAM FILE, GET OPTION: `waitAfter` = GET OPTION's digit wait.
        case playback(escape: String, duration: Duration, offsetSamples: Int, waitAfter: Duration?, waiting: Bool)
        case getData(collecting: Bool, digits: String, maxDigits: Int, firstTimeout: Duration, nextTimeout: Duration)
        case say(escape: String)
        /// ANSWER on an unanswered channel, EXEC Playback: ignore input until done.
        case blocking(reply: String)
    }

    struct Running {
        var serial: Int
        var kind: RunningKind
        /// ``now`` when it started.
        var started: Duration
        var timer: Int?
    }

    let call: FakeCall
    let transport: any AGITransport
    let events: AsyncStream<Event>.Continuation
    let start: ContinuousClock.Instant
    /// Time is the ``FakeTimeline``'s: timers wait in ``virtualTimers`` and only an
    /// `.advance` event, ordered with the server's bytes, runs them.
    let timeline: FakeTimeline?
    var virtualTime: Bool { timeline != nil }
    var virtualNow: Duration = .zero
    var virtualTimers: [(at: Duration, id: Int)] = []

    var lines: [TranscriptLine] = []
    var notes: [TranscriptLine] = []
    var variables: FakeVariables
    var answered: Bool
    var hungUp = false
    var noticePending = false
    var failedWhileUp = false
    var running: Running?
    var queued: [String] = []
    var timerTasks: [Int: Task<Void, Never>] = [:]
    var timerActions: [Int: TimerAction] = [:]
    var nextTimer = 0
    var nextSerial = 0
    var finished = false
    var closedByServer = false
    var timedOut = false
    var splitter = AGILineSplitter(maxLineLength: 1 << 20)
    /// Actions waiting for a command to start: (upper-cased prefix, delay, action).
    /// `skip`: matching commands to let pass before this trigger fires (`afterOccurrence - 1`).
    var triggers: [(prefix: String, delay: Duration, action: TimerAction, skip: Int)] = []

    init(call: FakeCall, environment: [(String, String)], transport: any AGITransport,
         events: AsyncStream<Event>.Continuation, timeline: FakeTimeline? = nil) {
        self.timeline = timeline
        self.call = call
        self.transport = transport
        self.events = events
        self.start = .now
        var env: [String: String] = [:]
        for (key, value) in environment { env[key] = value }
        self.variables = FakeVariables(values: call.variables, environment: env, linkedID: call.linkedID)
        self.answered = call.answered
    }

    // MARK: time

    var now: Duration { virtualTime ? virtualNow : ContinuousClock.now - start }

    func scaled(_ duration: Duration) -> Duration { duration * call.timeScale }

    /// Unscaled call time elapsed since `instant` (a ``now``), in 8 kHz samples.
    func samples(since instant: Duration) -> Int {
        let real = now - instant
        let (s, a) = real.components
        let seconds = (Double(s) + Double(a) / 1e18) / max(call.timeScale, 1e-9)
        return Int(seconds * 8000)
    }

    static func samples(_ duration: Duration) -> Int {
        let (s, a) = duration.components
        return Int((Double(s) + Double(a) / 1e18) * 8000)
    }

    @discardableResult
    func schedule(after unscaled: Duration, _ action: TimerAction) -> Int {
        scheduleReal(after: scaled(unscaled), action)
    }

    @discardableResult
    func scheduleReal(after real: Duration, _ action: TimerAction) -> Int {
        nextTimer += 1
        let id = nextTimer
        timerActions[id] = action
        if virtualTime {
            virtualTimers.append((at: virtualNow + real, id: id))
            return id
        }
        let events = self.events
        timerTasks[id] = Task {
            try? await Task.sleep(for: real)
            if !Task.isCancelled { events.yield(.timer(id)) }
        }
        return id
    }

    func cancelTimer(_ id: Int?) {
        guard let id else { return }
        timerTasks.removeValue(forKey: id)?.cancel()
        timerActions.removeValue(forKey: id)
        virtualTimers.removeAll { $0.id == id }
    }

    // MARK: output

    func note(_ text: String) {
        notes.append(TranscriptLine(direction: .fromAsterisk, text: text, time: now))
    }

    func write(_ replyLines: [String]) async {
        guard !finished else { return }
        var bytes: [UInt8] = []
        for line in replyLines {
            bytes += Array(line.utf8)
            bytes.append(0x0A)
        }
        do {
            try await transport.send(bytes)
            let time = now
            for line in replyLines { lines.append(TranscriptLine(direction: .fromAsterisk, text: line, time: time)) }
        } catch {
            note("write failed: the server closed the connection")
        }
    }

    func write(_ line: String) async { await write([line]) }

    // MARK: start

    func begin(environmentLines: [String], deadline: Duration) async {
        await write(environmentLines)
        for press in call.keypresses where !press.digits.isEmpty {
            let action = TimerAction.keypresses(Array(press.digits), gap: press.gap)
            if let prefix = press.afterCommand {
                triggers.append((prefix.uppercased(), press.at, action, max(0, press.afterOccurrence - 1)))
            } else {
                schedule(after: press.at, action)
            }
        }
        if let hangupAt = call.hangupAt {
            if let prefix = call.hangupAfterCommand {
                triggers.append((prefix.uppercased(), hangupAt, .callerHangup, 0))
            } else {
                schedule(after: hangupAt, .callerHangup)
            }
        }
        let events = self.events
        timerTasks[0] = Task {
            try? await Task.sleep(for: deadline)
            if !Task.isCancelled { events.yield(.deadline) }
        }
    }

    // MARK: events

    func handle(_ event: Event) async {
        switch event {
        case .bytes(let bytes):
            var received: [String] = []
            try? splitter.append(bytes[...]) { line in
                received.append(line)
                return true
            }
            for line in received {
                lines.append(TranscriptLine(direction: .fromServer, text: line, time: now))
                await input(line)
            }
        case .closed:
            closedByServer = true
            note("the server closed the connection")
            // AGISIGHUP: Asterisk writes one more HANGUP (only a half-closed server reads it).
            await write("HANGUP")
            await end()
        case .deadline:
            timedOut = true
            note("fake Asterisk timeout: the server neither finished nor closed")
            await end()
        case .timer(let id):
            timerTasks.removeValue(forKey: id)
            guard let action = timerActions.removeValue(forKey: id) else { return }
            await fire(action)
        case .advance(let target, let id):
            // Earliest first (ties: in scheduling order), each at its own instant, so a timer
            // that schedules the next one (chained keypresses) computes from the right time.
            while !finished, let next = virtualTimers.filter({ $0.at <= target })
                .min(by: { ($0.at, $0.id) < ($1.at, $1.id) }) {
                virtualTimers.removeAll { $0.id == next.id }
                virtualNow = max(virtualNow, next.at)
                if let action = timerActions.removeValue(forKey: next.id) { await fire(action) }
            }
            virtualNow = max(virtualNow, target)
            timeline?.acknowledge(id, next: finished ? nil : virtualTimers.map(\.at).min())
        }
    }

    func end() async {
        guard !finished else { return }
        finished = true
        for task in timerTasks.values { task.cancel() }
        timerTasks.removeAll()
        transport.close()
        events.finish()
    }

    /// A line from the server: runs it now, interrupts the running command first (Asterisk
    /// notices input on the AGI socket while waiting, fixture 08), or queues it.
    func input(_ line: String) async {
        if noticePending || !queued.isEmpty {
            queued.append(line)
            return
        }
        if let current = running {
            switch current.kind {
            case .blocking:
                queued.append(line)
                return
            case .playback:
                await complete("200 result=1 endpos=\(playedSamples(current))", drain: false)
            default:
                await complete("200 result=1", drain: false)
            }
        }
        await execute(line)
    }

    /// Starts the timers that wait for a command starting like `line`.
    func fireTriggers(for line: String) {
        guard !triggers.isEmpty else { return }
        let upper = line.uppercased()
        var kept: [(prefix: String, delay: Duration, action: TimerAction, skip: Int)] = []
        for var trigger in triggers {
            if upper.hasPrefix(trigger.prefix) {
                if trigger.skip == 0 {
                    schedule(after: trigger.delay, trigger.action)
                    continue
                }
                trigger.skip -= 1
            }
            kept.append(trigger)
        }
        triggers = kept
    }

    func drainQueue() async {
        while !queued.isEmpty, !noticePending, !finished {
            if let current = running {
                if case .blocking = current.kind { return }
            }
            let line = queued.removeFirst()
            if let current = running {
                if case .playback = current.kind {
                    await complete("200 result=1 endpos=\(playedSamples(current))", drain: false)
                } else {
                    await complete("200 result=1", drain: false)
                }
            }
            await execute(line)
        }
    }

    func playedSamples(_ running: Running) -> Int {
        guard case .playback(_, let duration, let offset, _, let waiting) = running.kind else { return 0 }
        if waiting { return offset + FakeAsteriskEngine.samples(duration) }
        return offset + min(samples(since: running.started), FakeAsteriskEngine.samples(duration))
    }

    /// Ends the running command with `reply`.
    func complete(_ reply: String, drain: Bool = true) async {
        if let current = running { cancelTimer(current.timer) }
        running = nil
        await write(reply)
        if drain { await drainQueue() }
    }

    func startRunning(_ kind: RunningKind, finishAfter unscaled: Duration?) {
        nextSerial += 1
        var entry = Running(serial: nextSerial, kind: kind, started: now, timer: nil)
        if let unscaled { entry.timer = schedule(after: unscaled, .finish(serial: nextSerial)) }
        running = entry
    }

    func fire(_ action: TimerAction) async {
        switch action {
        case .keypresses(let digits, let gap):
            guard let digit = digits.first else { return }
            if digits.count > 1 { schedule(after: gap, .keypresses(Array(digits.dropFirst()), gap: gap)) }
            await keypress(digit)
        case .callerHangup:
            await channelHangup(cause: "caller hung up")
        case .hangupNotice:
            noticePending = false
            await write("HANGUP")
            await drainQueue()
        case .finish(let serial):
            guard let current = running, current.serial == serial else { return }
            await finishNormally(current)
        case .promptEnd(let serial):
            guard var current = running, current.serial == serial,
                  case .getData(_, let digits, let maxDigits, let first, let next) = current.kind else { return }
            current.kind = .getData(collecting: true, digits: digits, maxDigits: maxDigits, firstTimeout: first, nextTimeout: next)
            current.timer = schedule(after: first, .digitTimeout(serial: serial))
            running = current
        case .digitTimeout(let serial):
            guard let current = running, current.serial == serial,
                  case .getData(_, let digits, _, _, _) = current.kind else { return }
            await complete(digits.isEmpty ? "200 result= (timeout)" : "200 result=\(digits) (timeout)")
        }
    }

    func finishNormally(_ current: Running) async {
        switch current.kind {
        case .waitForDigit:
            await complete("200 result=0")
        case .playback(let escape, let duration, let offset, let waitAfter, let waiting):
            if let waitAfter, !waiting, waitAfter > .zero {
                var next = current
                next.kind = .playback(escape: escape, duration: duration, offsetSamples: offset, waitAfter: waitAfter, waiting: true)
                next.timer = schedule(after: waitAfter, .finish(serial: current.serial))
                running = next
            } else {
                await complete("200 result=0 endpos=\(offset + FakeAsteriskEngine.samples(duration))")
            }
        case .getData:
            break  // GET DATA ends through promptEnd / digitTimeout
        case .say:
            await complete("200 result=0")
        case .blocking(let reply):
            await complete(reply)
        }
    }

    func keypress(_ digit: Character) async {
        guard !hungUp, var current = running else {
            if !hungUp { note("DTMF \(digit) lost: no command was reading digits") }
            return
        }
        let code = digit.unicodeScalars.first.map { Int($0.value) } ?? 0
        switch current.kind {
        case .waitForDigit:
            await complete("200 result=\(code)")
        case .playback(let escape, _, _, _, _):
            if escape.contains(digit) {
                await complete("200 result=\(code) endpos=\(playedSamples(current))")
            } else {
                note("DTMF \(digit) ignored: not an escape digit")
            }
        case .say(let escape):
            if escape.contains(digit) { await complete("200 result=\(code)") } else { note("DTMF \(digit) ignored") }
        case .getData(_, var digits, let maxDigits, let first, let next):
            if digit == "#" {
                await complete("200 result=\(digits)")
                return
            }
            digits.append(digit)
            if digits.count >= maxDigits {
                await complete("200 result=\(digits)")
                return
            }
            cancelTimer(current.timer)
            current.kind = .getData(collecting: true, digits: digits, maxDigits: maxDigits, firstTimeout: first, nextTimeout: next)
            current.timer = schedule(after: next, .digitTimeout(serial: current.serial))
            running = current
        case .blocking:
            note("DTMF \(digit) lost: the running command does not read digits")
        }
    }

    /// The channel hangs up (the caller, or the server's HANGUP command).
    func channelHangup(cause: String) async {
        guard !hungUp, !finished else { return }
        hungUp = true
        note(cause)
        if let current = running {
            noticePending = true
            let reply: String
            if case .playback = current.kind {
                reply = "200 result=-1 endpos=\(playedSamples(current))"
            } else {
                reply = "200 result=-1"
            }
            await complete(reply, drain: false)
            // The HANGUP line follows the command's reply about 40 ms later (fixtures 04b-04d).
            scheduleReal(after: scaled(.milliseconds(40)), .hangupNotice)
        } else {
            await write("HANGUP")
        }
    }

    /// AGISTATUS as Asterisk computes it.
    var agiStatus: String {
        if hungUp { return "HANGUP" }
        return failedWhileUp ? "FAILURE" : "SUCCESS"
    }
}
