import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where audit records go.
public protocol AuditSink: Sendable {
    /// Stores the record durably before returning (the session ends only afterwards).
    /// Failures are reported, never thrown into the call flow: a full disk must not stop
    /// callers from being authenticated, but it must be loud in the log.
    func append(_ record: AuditRecord) async -> Bool
}

/// The JSON Lines audit file (CONTRACT §5): one record per session, appended and fsync'ed.
///
/// The file is opened for each record (`O_APPEND`), so log rotation by renaming works
/// without a signal. Writes run on a private serial queue, not on the cooperative thread
/// pool, because `fsync` can block for a long time on a busy disk.
public final class AuditLogFile: AuditSink, Sendable {
    public let path: String
    private let queue = DispatchQueue(label: "ciba-agi.audit")

    public init(path: String) {
        self.path = path
    }

    public func append(_ record: AuditRecord) async -> Bool {
        let line = record.jsonLine + "\n"
        let path = self.path
        return await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Self.write(line, to: path))
            }
        }
    }

    /// Checks that the file can be opened for appending (created if missing).
    public func checkWritable() -> Bool {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }

    private static func write(_ line: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress!.advanced(by: offset), raw.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return fsync(fd) == 0
    }
}

/// Keeps records in memory (tests, `ciba-agi demo`).
public final class InMemoryAuditSink: AuditSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [AuditRecord] = []

    public init() {}

    public func append(_ record: AuditRecord) async -> Bool {
        lock.withLock { stored.append(record) }
        return true
    }

    public var records: [AuditRecord] { lock.withLock { stored } }
}

/// Drops records (audit disabled with `"auditLog": null`).
public struct DisabledAuditSink: AuditSink {
    public init() {}
    public func append(_ record: AuditRecord) async -> Bool { true }
}
