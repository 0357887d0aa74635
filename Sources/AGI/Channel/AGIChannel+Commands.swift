import Foundation

/// The typed AGI commands. Each throws `AGIError`: `.deadChannel` (511) after a hang-up for
/// commands Asterisk refuses on a dead channel, `.hangup` when the command itself ended by
/// the hang-up (`result=-1`), `.usage`/`.invalidCommand` for 520/510.
extension AGIChannel {
    /// ANSWER. On an unanswered channel Asterisk takes about 500 ms (it waits for media).
    public func answer() async throws {
        let reply = try await run(.answer)
        if reply.resultValue == -1 { throw AGIError(.hangup, "ANSWER failed: channel hung up") }
    }

    /// HANGUP: Asterisk answers `200 result=1`, then sends `HANGUP`; the handler's task is
    /// cancelled when that line arrives.
    public func hangup() async throws {
        _ = try await run(.hangup)
    }

    /// STREAM FILE. A missing file returns `failed == true` (AGISTATUS becomes FAILURE);
    /// a hang-up during playback (`result=-1` with `endpos > 0`) throws `AGIError.hangup`.
    ///
    /// The reply deadline is `defaultReplyTimeout` (60 s by default); for longer prompts raise
    /// it in `AGISessionLimits` or send `.streamFile(...)` with `send(_:timeout:)`.
    public func streamFile(_ file: String, escapeDigits: String = "", offset: Int? = nil) async throws -> AGIPlayback {
        try playback(try await run(.streamFile(file, escapeDigits: escapeDigits, offset: offset)))
    }

    /// CONTROL STREAM FILE with optional skip/forward/rewind/pause keys and start offset.
    public func controlStreamFile(
        _ file: String, escapeDigits: String = "", skip: Duration? = nil,
        forward: String? = nil, rewind: String? = nil, pause: String? = nil, offset: Duration? = nil
    ) async throws -> AGIPlayback {
        try playback(try await run(.controlStreamFile(
            file, escapeDigits: escapeDigits, skip: skip, forward: forward, rewind: rewind, pause: pause, offset: offset)))
    }

    /// GET OPTION: STREAM FILE, then waits `timeout` for one digit.
    public func getOption(_ file: String, escapeDigits: String, timeout: Duration? = nil) async throws -> AGIPlayback {
        try playback(try await run(.getOption(file, escapeDigits: escapeDigits, timeout: timeout), ownTimeout: timeout))
    }

    private func playback(_ reply: AGIResponse) throws(AGIError) -> AGIPlayback {
        let endpos = reply.endpos ?? 0
        guard let value = reply.resultValue else {
            throw AGIError(.protocolViolation, "playback reply without a numeric result")
        }
        if value < 0 {
            if endpos > 0 || isHungUp { throw AGIError(.hangup, "playback ended: channel hung up") }
            return AGIPlayback(digit: nil, endpos: endpos, failed: true)
        }
        return AGIPlayback(digit: try reply.digitFromResult("playback"), endpos: endpos, failed: false)
    }

    /// GET DATA: plays `prompt`, then collects digits until `#`, `maxDigits`, or `timeout`
    /// passes without a digit (Asterisk's defaults: 6 s first digit, 2 s between digits).
    /// A hang-up throws `AGIError.hangup` (digits typed before it are lost).
    public func getData(_ prompt: String, timeout: Duration? = nil, maxDigits: Int? = nil) async throws -> AGIDigits {
        let perDigit = timeout ?? .seconds(6)
        let digits = min(max(maxDigits ?? 32, 1), 64)
        let reply = try await run(.getData(prompt, timeout: timeout, maxDigits: maxDigits),
                                  ownTimeout: perDigit * (digits + 1))
        if reply.result == "-1" { throw AGIError(.hangup, "GET DATA ended: channel hung up") }
        return AGIDigits(digits: reply.result, timedOut: reply.timedOut)
    }

    /// WAIT FOR DIGIT: the digit pressed, or `nil` when `timeout` passed (`nil` timeout waits
    /// without limit). A hang-up throws `AGIError.hangup`.
    public func waitForDigit(timeout: Duration?) async throws -> Character? {
        let reply = try await run(.waitForDigit(timeout: timeout), ownTimeout: timeout)
        return try digitOrHangup(reply, "WAIT FOR DIGIT")
    }

    /// SAY DIGITS; returns the escape digit that interrupted it, if any.
    public func sayDigits(_ digits: String, escapeDigits: String = "") async throws -> Character? {
        try digitOrHangup(try await run(.sayDigits(digits, escapeDigits: escapeDigits)), "SAY DIGITS")
    }

    public func sayNumber(_ n: Int, escapeDigits: String = "") async throws -> Character? {
        try digitOrHangup(try await run(.sayNumber(n, escapeDigits: escapeDigits)), "SAY NUMBER")
    }

    public func sayAlpha(_ text: String, escapeDigits: String = "") async throws -> Character? {
        try digitOrHangup(try await run(.sayAlpha(text, escapeDigits: escapeDigits)), "SAY ALPHA")
    }

    public func sayDate(_ date: Date, escapeDigits: String = "") async throws -> Character? {
        try digitOrHangup(try await run(.sayDate(date, escapeDigits: escapeDigits)), "SAY DATE")
    }

    private func digitOrHangup(_ reply: AGIResponse, _ name: String) throws(AGIError) -> Character? {
        guard let value = reply.resultValue else {
            throw AGIError(.protocolViolation, "\(name) reply without a numeric result")
        }
        if value < 0 { throw AGIError(.hangup, "\(name) ended: channel hung up") }
        return try reply.digitFromResult(name)
    }

    /// SET VARIABLE; the value is quoted so any single-line text arrives unchanged.
    public func setVariable(_ name: String, _ value: String) async throws {
        _ = try await run(.setVariable(name, value))
    }

    /// GET VARIABLE: `nil` when unset, `""` when set but empty. Works on dead channels.
    public func getVariable(_ name: String) async throws -> String? {
        let reply = try await run(.getVariable(name))
        return reply.resultValue == 1 ? (reply.data ?? "") : nil
    }

    /// GET FULL VARIABLE: evaluates `${...}` expressions; unset variables expand to "".
    public func getFullVariable(_ expression: String) async throws -> String {
        let reply = try await run(.getFullVariable(expression))
        return reply.data ?? ""
    }

    /// SET MUSIC ON [class] / OFF. Asterisk always answers 0, even for an unknown class
    /// (it falls back to `default`).
    public func setMusic(_ on: Bool, class musicClass: String? = nil) async throws {
        _ = try await run(.setMusic(on, class: musicClass))
    }

    /// EXEC: the application's return value (`-2`: no such application).
    ///
    /// - Parameter timeout: how long the application may run (e.g. `Dial`); the reply deadline
    ///   is this plus `replyTimeoutSlack`. `nil` uses `defaultReplyTimeout`.
    public func exec(_ application: String, _ arguments: String = "", timeout: Duration? = nil) async throws -> Int {
        let reply = try await run(.exec(application, arguments), ownTimeout: timeout)
        guard let value = reply.resultValue else { throw AGIError(.protocolViolation, "EXEC reply without a numeric result") }
        return value
    }

    public func verbose(_ message: String, level: Int = 1) async throws {
        _ = try await run(.verbose(message, level: level))
    }

    /// CHANNEL STATUS: 4 = ringing (not answered), 6 = up, ...
    public func channelStatus() async throws -> Int {
        let reply = try await run(.channelStatus)
        guard let value = reply.resultValue else { throw AGIError(.protocolViolation, "CHANNEL STATUS reply without a numeric result") }
        return value
    }

    public func setCallerID(_ callerID: String) async throws {
        _ = try await run(.setCallerID(callerID))
    }

    public func noop() async throws {
        _ = try await run(.noop)
    }
}
