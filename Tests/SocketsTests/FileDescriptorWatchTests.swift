import Glibc
import Synchronization
import Testing
import Sockets

/// The public loop API that libcurl's multi interface runs on.
@Suite struct FileDescriptorWatchTests {
    /// A non-blocking pipe, closed by the caller.
    static func pipePair() -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return (fds[0], fds[1])
    }

    @Test func readableReportedOnTheLoopThreadAndLevelTriggered() async throws {
        let (r, w) = Self.pipePair()
        defer { close(r); close(w) }
        let calls = Mutex<[(Bool, FileDescriptorWatch.Readiness)]>([])
        // Level-triggered: without reading, the handler is called again on the next turn.
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            do {
                let box = Mutex<FileDescriptorWatch?>(nil)
                let watch = try FileDescriptorWatch.start(fd: r, interest: .readable) { readiness in
                    let count = calls.withLock { list -> Int in
                        list.append((SocketLoop.isCurrentThread, readiness))
                        return list.count
                    }
                    if count == 2 {
                        box.withLock { $0?.cancel() }
                        done.resume()
                    }
                }
                box.withLock { $0 = watch }
                var byte: UInt8 = 7
                #expect(write(w, &byte, 1) == 1)
            } catch {
                done.resume(throwing: error)
            }
        }
        let seen = calls.withLock { $0 }
        #expect(seen.count == 2)
        #expect(seen.allSatisfy { $0.0 && $0.1.contains(.readable) })
    }

    @Test func updateSwitchesInterestAndCancelStopsAtOnce() async throws {
        let (r, w) = Self.pipePair()
        defer { close(r); close(w) }
        let writable = Mutex(0)
        let readable = Mutex(0)
        let box = Mutex<FileDescriptorWatch?>(nil)
        let done = Mutex<CheckedContinuation<Void, Never>?>(nil)
        // With no interest nothing is reported; switched to `writable`, an empty pipe has room.
        // The handler cancels on its first call: a level-triggered watch would otherwise be
        // called on every loop turn.
        let watch = try FileDescriptorWatch.start(fd: w, interest: []) { readiness in
            if readiness.contains(.readable) { readable.withLock { $0 += 1 } }
            guard readiness.contains(.writable) else { return }
            writable.withLock { $0 += 1 }
            box.withLock { $0?.cancel() }
            done.withLock { $0?.resume(); $0 = nil }
        }
        box.withLock { $0 = watch }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            done.withLock { $0 = continuation }
            #expect(throws: Never.self) { try watch.update(.writable) }
        }
        #expect(watch.isCancelled)
        #expect(throws: SocketError.self) { try watch.update(.readable) }
        // Timers run after the loop turn's events: one that fires later proves turns went by.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            ScheduledTimer.schedule(after: .milliseconds(5)) { continuation.resume() }
        }
        #expect(writable.withLock { $0 } == 1)
        #expect(readable.withLock { $0 } == 0)
        watch.cancel()  // idempotent
    }

    @Test func hangUpReportedWhenTheOtherEndCloses() async throws {
        let (r, w) = Self.pipePair()
        defer { close(r) }
        let box = Mutex<FileDescriptorWatch?>(nil)
        let readiness = try await withCheckedThrowingContinuation { (done: CheckedContinuation<FileDescriptorWatch.Readiness, any Error>) in
            do {
                let watch = try FileDescriptorWatch.start(fd: r, interest: .readable) { readiness in
                    guard let watch = box.withLock({ $0 }), !watch.isCancelled else { return }
                    watch.cancel()
                    done.resume(returning: readiness)
                }
                box.withLock { $0 = watch }
                close(w)
            } catch {
                done.resume(throwing: error)
            }
        }
        #expect(readiness.contains(.hangUp))
    }

    @Test func aDescriptorEpollRefusesIsAnError() {
        #expect(throws: SocketError.self) { try FileDescriptorWatch.start(fd: -1, interest: .readable) { _ in } }
    }

    @Test func timersRunOnTheLoopThread() async {
        let onLoop = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            ScheduledTimer.schedule(after: .milliseconds(1)) { done.resume(returning: SocketLoop.isCurrentThread) }
        }
        #expect(onLoop)
        #expect(!SocketLoop.isCurrentThread)
    }
}
