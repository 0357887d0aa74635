import Foundation

/// Login attempts limited per agent name and per client address: after `freeFailures`
/// wrong attempts, the key is locked for `baseLockout`, doubling with each further failure
/// up to `maxLockout`. A success clears the name's and the address's count.
///
/// Checked before the password is derived, so a locked-out attacker costs no CPU. Keys are
/// forgotten `maxLockout` after their last failure, and the table is bounded.
public actor LoginThrottle {
    public let freeFailures: Int
    public let baseLockout: TimeInterval
    public let maxLockout: TimeInterval
    private let now: @Sendable () -> Date
    private let maxKeys: Int
    private var entries: [String: Entry] = [:]

    private struct Entry {
        var failures: Int
        var lockedUntil: Date?
        var lastFailure: Date
    }

    public init(freeFailures: Int = 5, baseLockout: TimeInterval = 30, maxLockout: TimeInterval = 15 * 60, maxKeys: Int = 100_000,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.freeFailures = freeFailures
        self.baseLockout = baseLockout
        self.maxLockout = maxLockout
        self.maxKeys = maxKeys
        self.now = now
    }

    /// Seconds until `name` and `address` may try again; nil when they may now.
    public func retryAfter(name: String, address: String) -> Int? {
        let time = now()
        let waits = [Self.nameKey(name), Self.addressKey(address)].compactMap { key -> TimeInterval? in
            guard let until = entries[key]?.lockedUntil, until > time else { return nil }
            return until.timeIntervalSince(time)
        }
        guard let longest = waits.max() else { return nil }
        return max(1, Int(longest.rounded(.up)))
    }

    public func recordFailure(name: String, address: String) {
        let time = now()
        if entries.count >= maxKeys { entries = entries.filter { time.timeIntervalSince($0.value.lastFailure) < maxLockout } }
        for key in [Self.nameKey(name), Self.addressKey(address)] {
            var entry = entries[key] ?? Entry(failures: 0, lockedUntil: nil, lastFailure: time)
            if time.timeIntervalSince(entry.lastFailure) >= maxLockout { entry.failures = 0 }
            entry.failures += 1
            entry.lastFailure = time
            if entry.failures >= freeFailures {
                let doublings = min(entry.failures - freeFailures, 20)
                entry.lockedUntil = time.addingTimeInterval(min(maxLockout, baseLockout * pow(2, Double(doublings))))
            }
            entries[key] = entry
        }
    }

    public func recordSuccess(name: String, address: String) {
        entries[Self.nameKey(name)] = nil
        entries[Self.addressKey(address)] = nil
    }

    private static func nameKey(_ name: String) -> String { "name:" + name.lowercased() }
    /// The host part of `host:port` / `[v6]:port`: one client, whatever its source port.
    private static func addressKey(_ address: String) -> String {
        if address.hasPrefix("["), let end = address.firstIndex(of: "]") { return "addr:" + address[..<end] + "]" }
        if let colon = address.lastIndex(of: ":"), address.firstIndex(of: ":") == colon { return "addr:" + address[..<colon] }
        return "addr:" + address
    }
}
