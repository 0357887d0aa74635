import Foundation
import Synchronization

/// Where the simulated provider gets "now" from: expiry, polling-interval checks, token
/// `iat`/`exp`, assertion `exp` and the request log all use it. Inject a
/// `ManualSimulatorClock` to test expiry or slow_down without waiting, or a scaled clock
/// that matches a scaled client clock.
public struct SimulatorClock: Sendable {
    public var now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    /// Wall-clock time.
    public static let system = SimulatorClock { Date() }
}

/// A clock that only moves when told to. Thread-safe.
public final class ManualSimulatorClock: Sendable {
    private let current: Mutex<Date>

    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }

    public var now: Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }

    public func set(_ date: Date) { current.withLock { $0 = date } }

    /// This clock as the provider's time source.
    public var clock: SimulatorClock { SimulatorClock { [self] in now } }
}
