import Foundation
import Dispatch

/// Waits for SIGTERM or SIGINT through Dispatch signal sources (the default actions are
/// disabled first, so the process is not killed and can drain).
final class SignalWaiter: @unchecked Sendable {  // sources are only touched under `lock`
    private let lock = NSLock()
    private var sources: [any DispatchSourceSignal] = []

    init(signals: [Int32] = [SIGTERM, SIGINT]) {
        for number in signals { signal(number, SIG_IGN) }
        self.signals = signals
    }

    private let signals: [Int32]

    /// Returns the first signal received.
    func wait() async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let resume = OnceFlag()
            lock.withLock {
                for number in signals {
                    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                    source.setEventHandler {
                        if resume.claim() { continuation.resume(returning: number) }
                    }
                    source.resume()
                    sources.append(source)
                }
            }
        }
    }

    func cancel() {
        lock.withLock {
            for source in sources { source.cancel() }
            sources.removeAll()
        }
    }
}

/// True exactly once.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false
    func claim() -> Bool {
        lock.withLock {
            if claimed { return false }
            claimed = true
            return true
        }
    }
}
