import Foundation

/// Writes one formatted line per record to standard error, atomically per line.
public struct StderrLogHandler: LogHandler {
    public init() {}

    public func log(_ record: LogRecord) {
        var line = record.formatted
        line.append("\n")
        // One write(2) per line so concurrent lines never interleave.
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
            offset += n
        }
    }
}

/// Drops every record.
public struct NullLogHandler: LogHandler {
    public init() {}
    public func log(_ record: LogRecord) {}
    public func accepts(_ level: LogLevel) -> Bool { false }
}

/// Keeps records in memory so tests can assert on what was logged (like swift-log's
/// `InMemoryLogHandler`). Thread-safe.
public final class InMemoryLogHandler: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [LogRecord] = []

    public init() {}

    public func log(_ record: LogRecord) {
        lock.lock()
        stored.append(record)
        lock.unlock()
    }

    /// Everything logged so far, in order.
    public var records: [LogRecord] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    /// Every record as the formatted line the stderr handler would print.
    public var lines: [String] { records.map(\.formatted) }

    /// Records whose event name equals `event`.
    public func records(event: String) -> [LogRecord] { records.filter { $0.event == event } }

    public func clear() {
        lock.lock()
        stored.removeAll()
        lock.unlock()
    }
}

/// Sends every record to several handlers.
public struct MultiplexLogHandler: LogHandler {
    public let handlers: [any LogHandler]
    public init(_ handlers: [any LogHandler]) { self.handlers = handlers }
    public func log(_ record: LogRecord) {
        for handler in handlers { handler.log(record) }
    }

    public func accepts(_ level: LogLevel) -> Bool { handlers.contains { $0.accepts(level) } }
}
