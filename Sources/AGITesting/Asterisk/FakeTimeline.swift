import AGI
import Synchronization

/// Virtual call time for a fake Asterisk driven step by step by a test (the fixture replays).
///
/// With a timeline, the fake's timers (prompt ends, digit timeouts, keypresses, hang-ups) never
/// fire on their own: ``advance(to:)`` runs those due up to that call time, in order, after
/// every byte the test has sent so far, and returns once the fake has done all of it, with the
/// call time of its next timer. A replay can so play a discrete-event simulation: nothing
/// depends on how fast the machine is. The fake's overall `timeout` stays real time (a failure
/// bound).
public final class FakeTimeline: Sendable {
    private struct Attachment {
        var events: AsyncStream<FakeAsteriskEngine.Event>.Continuation
        var transport: any AGITransport
    }

    private struct State {
        var attachment: Attachment?
        var ended = false
        var nextID = 0
        var waiting: [Int: CheckedContinuation<Duration?, Never>] = [:]
        /// Advances asked for before the fake started.
        var early: [(Int, Duration)] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Runs the fake's timers due up to `callTime` (since the connection started), after the
    /// bytes already sent to it; returns when it is done: the call time of its next timer, or
    /// nil when it has none or the call is over.
    public func advance(to callTime: Duration) async -> Duration? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Duration?, Never>) in
            let send = state.withLock { s -> (Attachment, Int)? in
                if s.ended {
                    continuation.resume(returning: nil)
                    return nil
                }
                s.nextID += 1
                s.waiting[s.nextID] = continuation
                guard let attachment = s.attachment else {
                    s.early.append((s.nextID, callTime))
                    return nil
                }
                return (attachment, s.nextID)
            }
            if let (attachment, id) = send { Self.enqueue(callTime, id: id, into: attachment) }
        }
    }

    func attach(events: AsyncStream<FakeAsteriskEngine.Event>.Continuation, transport: any AGITransport) {
        let (attachment, early) = state.withLock { s -> (Attachment, [(Int, Duration)]) in
            let attachment = Attachment(events: events, transport: transport)
            s.attachment = attachment
            defer { s.early = [] }
            return (attachment, s.early)
        }
        for (id, time) in early { Self.enqueue(time, id: id, into: attachment) }
    }

    /// The fake processed advance `id`.
    func acknowledge(_ id: Int, next: Duration?) {
        state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(returning: next)
    }

    /// The call is over: every pending and later advance returns nil.
    func end() {
        let waiting = state.withLock { s -> [CheckedContinuation<Duration?, Never>] in
            s.ended = true
            defer { s.waiting = [:] }
            return Array(s.waiting.values)
        }
        for continuation in waiting { continuation.resume(returning: nil) }
    }

    private static func enqueue(_ time: Duration, id: Int, into attachment: Attachment) {
        let events = attachment.events
        if let memory = attachment.transport as? InMemoryTransport {
            // Behind the bytes still on their way to the fake (same delivery queue).
            memory.afterPendingDeliveries { events.yield(.advance(time, id: id)) }
        } else {
            events.yield(.advance(time, id: id))
        }
    }
}
