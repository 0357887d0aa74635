import Synchronization

/// A log level that can change while the process runs (`SIGHUP` reloads `logLevel`).
///
/// `Logger` is a value type that is copied into every session, so its own `level` cannot be
/// changed afterwards; a logger built at `.trace` over a ``ThresholdLogHandler`` reading this
/// switch filters at the switch's current level instead.
public final class LogLevelSwitch: Sendable {
    private let current: Mutex<LogLevel>

    public init(_ level: LogLevel) { current = Mutex(level) }

    public var level: LogLevel {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}

/// Passes on records at or above the switch's level, drops the rest.
public struct ThresholdLogHandler: LogHandler {
    public let wrapped: any LogHandler
    public let threshold: LogLevelSwitch

    public init(_ wrapped: any LogHandler, threshold: LogLevelSwitch) {
        self.wrapped = wrapped
        self.threshold = threshold
    }

    public func log(_ record: LogRecord) {
        if record.level >= threshold.level { wrapped.log(record) }
    }

    public func accepts(_ level: LogLevel) -> Bool { level >= threshold.level && wrapped.accepts(level) }
}
