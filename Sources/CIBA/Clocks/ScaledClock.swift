/// Real time sped up by a factor: with `factor: 60`, `sleep(for: .seconds(60))` returns after
/// about one real second and `now` advances 60 s per real second.
///
/// For demos and end-to-end tests that want realistic provider intervals (5 s, `slow_down`,
/// 120 s expiry) without waiting for them. Instants of two different `ScaledClock`s are not
/// comparable in a meaningful way.
public struct ScaledClock: Clock {
    public typealias Duration = Swift.Duration

    public struct Instant: InstantProtocol {
        /// Scaled time since the clock's creation.
        public var offset: Swift.Duration

        public init(offset: Swift.Duration) { self.offset = offset }
        public func advanced(by duration: Swift.Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Swift.Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    public let factor: Double
    private let origin: ContinuousClock.Instant

    /// `factor` > 0; values ≤ 0 are treated as 1.
    public init(factor: Double) {
        self.factor = factor > 0 && factor.isFinite ? factor : 1
        origin = ContinuousClock.now
    }

    public var now: Instant {
        Instant(offset: (ContinuousClock.now - origin) * factor)
    }

    public var minimumResolution: Swift.Duration { .nanoseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Swift.Duration?) async throws {
        let remaining = now.duration(to: deadline)
        guard remaining > .zero else { return }
        try await ContinuousClock().sleep(for: remaining / factor)
    }
}
