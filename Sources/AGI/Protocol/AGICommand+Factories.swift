import Foundation

/// Typed constructors for the commands `AGIChannel` sends. Values that may hold spaces
/// or arbitrary text (variable values, messages, escape digits) are always quoted;
/// names and numbers are written bare when safe.
extension AGICommand {
    public static var answer: AGICommand { AGICommand(name: ["ANSWER"]) }
    public static var hangup: AGICommand { AGICommand(name: ["HANGUP"]) }
    public static var noop: AGICommand { AGICommand(name: ["NOOP"]) }
    public static var channelStatus: AGICommand { AGICommand(name: ["CHANNEL", "STATUS"]) }

    /// `STREAM FILE file "escape" [offset]`.
    public static func streamFile(_ file: String, escapeDigits: String = "", offset: Int? = nil) -> AGICommand {
        var args: [AGIArgument] = [AGIArgument(file), .quoted(escapeDigits)]
        if let offset { args.append(.number(offset)) }
        return AGICommand(name: ["STREAM", "FILE"], arguments: args)
    }

    /// `CONTROL STREAM FILE file "escape" [skipms [ffchar [rewchar [pausechar [offsetms]]]]]`.
    public static func controlStreamFile(
        _ file: String, escapeDigits: String = "", skip: Duration? = nil,
        forward: String? = nil, rewind: String? = nil, pause: String? = nil, offset: Duration? = nil
    ) -> AGICommand {
        var args: [AGIArgument] = [AGIArgument(file), .quoted(escapeDigits)]
        let optional: [AGIArgument?] = [
            skip.map { .number(milliseconds($0)) }, forward.map { .quoted($0) }, rewind.map { .quoted($0) },
            pause.map { .quoted($0) }, offset.map { .number(milliseconds($0)) },
        ]
        // Positional: fill gaps before the last given option with defaults.
        if let last = optional.lastIndex(where: { $0 != nil }) {
            let defaults: [AGIArgument] = [.number(3000), .quoted("#"), .quoted("*"), .quoted(""), .number(0)]
            for i in 0...last { args.append(optional[i] ?? defaults[i]) }
        }
        return AGICommand(name: ["CONTROL", "STREAM", "FILE"], arguments: args)
    }

    /// `GET DATA prompt [timeout_ms [maxdigits]]`; a missing timeout with a maxdigits is sent
    /// as `0` (Asterisk's default timeouts).
    public static func getData(_ prompt: String, timeout: Duration? = nil, maxDigits: Int? = nil) -> AGICommand {
        var args: [AGIArgument] = [AGIArgument(prompt)]
        if let timeout { args.append(.number(milliseconds(timeout))) } else if maxDigits != nil { args.append(.number(0)) }
        if let maxDigits { args.append(.number(maxDigits)) }
        return AGICommand(name: ["GET", "DATA"], arguments: args)
    }

    /// `GET OPTION file "escape" [timeout_ms]`.
    public static func getOption(_ file: String, escapeDigits: String, timeout: Duration? = nil) -> AGICommand {
        var args: [AGIArgument] = [AGIArgument(file), .quoted(escapeDigits)]
        if let timeout { args.append(.number(milliseconds(timeout))) }
        return AGICommand(name: ["GET", "OPTION"], arguments: args)
    }

    /// `WAIT FOR DIGIT ms`; `nil` waits without limit (`-1`).
    public static func waitForDigit(timeout: Duration?) -> AGICommand {
        AGICommand(name: ["WAIT", "FOR", "DIGIT"], arguments: [.number(timeout.map(milliseconds) ?? -1)])
    }

    public static func sayDigits(_ digits: String, escapeDigits: String = "") -> AGICommand {
        AGICommand(name: ["SAY", "DIGITS"], arguments: [AGIArgument(digits), .quoted(escapeDigits)])
    }

    public static func sayNumber(_ number: Int, escapeDigits: String = "") -> AGICommand {
        AGICommand(name: ["SAY", "NUMBER"], arguments: [.number(number), .quoted(escapeDigits)])
    }

    public static func sayAlpha(_ text: String, escapeDigits: String = "") -> AGICommand {
        AGICommand(name: ["SAY", "ALPHA"], arguments: [AGIArgument(text), .quoted(escapeDigits)])
    }

    /// `SAY DATE seconds-since-epoch "escape"`.
    public static func sayDate(_ date: Date, escapeDigits: String = "") -> AGICommand {
        AGICommand(name: ["SAY", "DATE"], arguments: [.number(Int(date.timeIntervalSince1970.rounded(.down))), .quoted(escapeDigits)])
    }

    /// `SET VARIABLE name "value"`: the value is always quoted so any text (spaces, quotes,
    /// backslashes, UTF-8, empty) arrives unchanged.
    public static func setVariable(_ name: String, _ value: String) -> AGICommand {
        AGICommand(name: ["SET", "VARIABLE"], arguments: [AGIArgument(name), .quoted(value)])
    }

    public static func getVariable(_ name: String) -> AGICommand {
        AGICommand(name: ["GET", "VARIABLE"], arguments: [AGIArgument(name)])
    }

    /// `GET FULL VARIABLE "expression"` (always quoted), e.g. `"${CALLERID(num)}"`.
    public static func getFullVariable(_ expression: String) -> AGICommand {
        AGICommand(name: ["GET", "FULL", "VARIABLE"], arguments: [.quoted(expression)])
    }

    /// `SET MUSIC ON [class]` / `SET MUSIC OFF`.
    public static func setMusic(_ on: Bool, class musicClass: String? = nil) -> AGICommand {
        var args: [AGIArgument] = [AGIArgument(on ? "ON" : "OFF")]
        if on, let musicClass { args.append(AGIArgument(musicClass)) }
        return AGICommand(name: ["SET", "MUSIC"], arguments: args)
    }

    /// `EXEC application [arguments]`; the arguments are one word (quoted when needed).
    public static func exec(_ application: String, _ arguments: String = "") -> AGICommand {
        var args: [AGIArgument] = [AGIArgument(application)]
        if !arguments.isEmpty { args.append(AGIArgument(arguments)) }
        return AGICommand(name: ["EXEC"], arguments: args)
    }

    /// `VERBOSE "message" level`.
    public static func verbose(_ message: String, level: Int = 1) -> AGICommand {
        AGICommand(name: ["VERBOSE"], arguments: [.quoted(message), .number(level)])
    }

    /// `SET CALLERID "callerid"`, e.g. `"Name" <123>` (quoted, escapes applied).
    public static func setCallerID(_ callerID: String) -> AGICommand {
        AGICommand(name: ["SET", "CALLERID"], arguments: [.quoted(callerID)])
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
