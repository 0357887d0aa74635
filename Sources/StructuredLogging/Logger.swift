import Foundation

/// Severity of a log event, lowest first.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case trace, debug, info, notice, warning, error

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        }
    }

    /// Parses `trace|debug|info|notice|warning|error` (case-insensitive); `warn` is accepted too.
    public init?(name: String) {
        switch name.lowercased() {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "notice": self = .notice
        case "warn", "warning": self = .warning
        case "error": self = .error
        default: return nil
        }
    }
}

/// One structured log event: a level, an event name and ordered `key=value` fields.
///
/// Fields are values the caller has already made safe: never put a full personal number,
/// a token, a secret or a key into a field (mask numbers with `PersonalNumber.masked`).
public struct LogRecord: Sendable, Equatable {
    public var level: LogLevel
    public var event: String
    public var fields: [(String, String)]
    public var time: Date

    public init(level: LogLevel, event: String, fields: [(String, String)], time: Date = Date()) {
        self.level = level
        self.event = event
        self.fields = fields
        self.time = time
    }

    public static func == (lhs: LogRecord, rhs: LogRecord) -> Bool {
        lhs.level == rhs.level && lhs.event == rhs.event && lhs.time == rhs.time
            && lhs.fields.elementsEqual(rhs.fields, by: { $0 == $1 })
    }

    /// The value of the first field named `key`.
    public subscript(key: String) -> String? { fields.first(where: { $0.0 == key })?.1 }

    /// `ts=... level=info event=session.start key=value key="value with spaces"`.
    public var formatted: String {
        var line = "ts=\(LogRecord.timestamp(time)) level=\(level) event=\(LogRecord.quote(event))"
        for (key, value) in fields {
            line += " \(key)=\(LogRecord.quote(value))"
        }
        return line
    }

    /// Quotes a value when it is empty or holds spaces, quotes, `=` or control characters,
    /// so every line stays one line and machine-splittable.
    public static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { s in
            s == " " || s == "\"" || s == "=" || s == "\\" || s.value < 0x20 || s.value == 0x7F
        }
        guard needsQuotes else { return value }
        var out = "\""
        for s in value.unicodeScalars {
            switch s {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if s.value < 0x20 || s.value == 0x7F {
                    out += String(format: "\\x%02x", s.value)
                } else {
                    out.unicodeScalars.append(s)
                }
            }
        }
        return out + "\""
    }

    static func timestamp(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var t = time_t(ms / 1000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(ms % 1000))
    }
}

/// Where log records go. Implementations must be thread-safe.
public protocol LogHandler: Sendable {
    func log(_ record: LogRecord)
    /// Whether a record at `level` would be kept. ``Logger`` asks before it builds a record,
    /// so a line the handler would drop costs no allocation (a busy server logs many
    /// debug lines per call). Default: every level.
    func accepts(_ level: LogLevel) -> Bool
}

extension LogHandler {
    public func accepts(_ level: LogLevel) -> Bool { true }
}

/// A cheap, copyable logger carrying context fields (session id, uniqueid, ...).
///
/// ```swift
/// let log = Logger(handler: StderrLogHandler(), level: .info).with("session", "42")
/// log.info("agi.command", ["name": "ANSWER"])
/// ```
public struct Logger: Sendable {
    public var handler: any LogHandler
    public var level: LogLevel
    public var context: [(String, String)]

    public init(handler: any LogHandler, level: LogLevel = .info, context: [(String, String)] = []) {
        self.handler = handler
        self.level = level
        self.context = context
    }

    /// A logger that drops everything.
    public static var disabled: Logger { Logger(handler: NullLogHandler(), level: .error) }

    /// A copy with one more context field, appended to every record.
    public func with(_ key: String, _ value: String) -> Logger {
        var copy = self
        copy.context.append((key, value))
        return copy
    }

    /// The logger's own level, then the handler's (a ``ThresholdLogHandler`` reads its switch).
    public func isEnabled(_ level: LogLevel) -> Bool { level >= self.level && handler.accepts(level) }

    public func log(_ level: LogLevel, _ event: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard isEnabled(level) else { return }
        var all = context
        for (k, v) in fields { all.append((k, v)) }
        handler.log(LogRecord(level: level, event: event, fields: all))
    }

    public func log(_ level: LogLevel, _ event: String, fields: [(String, String)]) {
        guard isEnabled(level) else { return }
        handler.log(LogRecord(level: level, event: event, fields: context + fields))
    }

    public func trace(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.trace, event, fields) }
    public func debug(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.debug, event, fields) }
    public func info(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.info, event, fields) }
    public func notice(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.notice, event, fields) }
    public func warning(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.warning, event, fields) }
    public func error(_ event: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.error, event, fields) }
}
