import Foundation

/// Fixed instants for tests, so the century rule and "not in the future" never depend on the real clock.
enum TestDates {
    /// 2026-11-21 12:00 UTC (13:00 in Stockholm): the reference "today" of the tables.
    static let today = instant("2026-11-21T12:00:00Z")

    /// Parses an RFC 3339 UTC instant; a typo in a test constant fails loudly via the sentinel.
    static func instant(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text) ?? Date(timeIntervalSince1970: 0)
    }
}
