import Foundation

/// Turns "now" into the civil date ("today") that the age and future-date rules use.
///
/// Time zone: **Europe/Stockholm**, not UTC. Skatteverket's rule for the 10-digit form is about
/// the person's age on today's date *in Sweden*; between 22:00/23:00 UTC and midnight the Swedish
/// date is already tomorrow's, and a UTC date would give the wrong century for someone whose
/// 100th birthday is that Swedish day. Norway (Europe/Oslo) has had the same offsets and DST rules
/// as Stockholm since 1980, so one zone serves both countries. If the time-zone database is
/// missing (a bare container without tzdata), this falls back to a fixed UTC+1 (Central European
/// Time without summer time), which is at most one hour off around midnight in summer.
enum ReferenceDay {
    static let timeZone: TimeZone = TimeZone(identifier: "Europe/Stockholm") ?? TimeZone(secondsFromGMT: 3600) ?? .gmt

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()

    /// The Swedish/Norwegian civil date of `instant`.
    static func civilDate(of instant: Date) -> (year: Int, month: Int, day: Int) {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return (parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }
}
