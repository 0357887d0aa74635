import Foundation
import Synchronization

/// Hands every published record to any number of subscribers, each with a bounded buffer.
///
/// Subscribing is synchronous (the stream exists and receives from the moment `subscribe()`
/// returns), so "subscribe, then read the current state" never misses a change in between.
/// A subscriber whose buffer is full when a record arrives is disconnected: its stream gets
/// the records already buffered, then ends. Dropping records silently instead would leave a
/// reader (an SSE client, a waiting call) believing it saw everything; an ended stream tells
/// it to read the current state again. Memory is at most `bufferLimit` records per subscriber.
public final class VerificationEventBroadcaster: Sendable {
    /// Records a subscriber may have unread before it is disconnected.
    public let bufferLimit: Int
    private let subscribers = Mutex<(next: Int, all: [Int: AsyncStream<VerificationRecord>.Continuation])>((0, [:]))

    public init(bufferLimit: Int = 1024) {
        self.bufferLimit = max(1, bufferLimit)
    }

    /// A stream of every record published from now on.
    public func subscribe() -> AsyncStream<VerificationRecord> {
        let (stream, continuation) = AsyncStream<VerificationRecord>.makeStream(bufferingPolicy: .bufferingOldest(bufferLimit))
        let id = subscribers.withLock { state in
            let id = state.next
            state.next += 1
            state.all[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.remove(id)
        }
        return stream
    }

    /// Sends `record` to every subscriber; disconnects those whose buffer is full.
    public func publish(_ record: VerificationRecord) {
        let current = subscribers.withLock { Array($0.all) }
        for (id, continuation) in current {
            switch continuation.yield(record) {
            case .enqueued:
                continue
            case .dropped:
                remove(id)
                continuation.finish()
            case .terminated:
                remove(id)
            @unknown default:
                continue
            }
        }
    }

    /// Subscribers currently connected.
    public var subscriberCount: Int { subscribers.withLock { $0.all.count } }

    /// Ends every stream (shutdown).
    public func finishAll() {
        let all = subscribers.withLock { state in
            let all = Array(state.all.values)
            state.all.removeAll()
            return all
        }
        for continuation in all { continuation.finish() }
    }

    private func remove(_ id: Int) {
        _ = subscribers.withLock { $0.all.removeValue(forKey: id) }
    }
}
