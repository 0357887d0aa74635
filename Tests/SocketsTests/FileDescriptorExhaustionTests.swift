import Glibc
import StructuredLogging
import Synchronization
import Testing
@testable import Sockets

@Suite struct FileDescriptorExhaustionTests {
    /// Runs in a child process (the descriptor limit is process-wide): with every descriptor in
    /// use, the listener logs once, backs off instead of spinning, and accepts again once
    /// descriptors are free.
    @Test func acceptBacksOffOnEMFILEAndRecovers() async {
        await #expect(processExitsWith: .success) {
            let logs = InMemoryLogHandler()
            let listener = try TCPListener.listen(
                on: try SocketAddress.parse("127.0.0.1:0"), logger: Logger(handler: logs, level: .debug))
            let accepted = Mutex<[TCPConnection]>([])
            // Let Dispatch set up its timer machinery (it needs descriptors and traps without them).
            try await Task.sleep(for: .milliseconds(5))
            // Leave room for only a few more descriptors.
            var limits = rlimit()
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits)
            limits.rlim_cur = min(limits.rlim_cur, 4096)  // keeps the probe below short
            guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { exit(2) }
            var probe = [Int32]()
            while true {
                let fd = dup(0)
                if fd < 0 { break }
                probe.append(fd)
            }
            for fd in probe { close(fd) }
            let openNow = Int(limits.rlim_cur) - probe.count
            limits.rlim_cur = rlim_t(openNow + 12)
            guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { exit(3) }
            // Clients take every descriptor left (the kernel completes their handshakes into the
            // backlog); only then does the server start accepting, and hits EMFILE at once.
            var clients: [TCPConnection] = []
            while clients.count < 50 {
                do { clients.append(try await TCPConnection.connect(to: listener.localAddress, timeout: .seconds(2))) } catch { break }
            }
            listener.startAccepting { connection in accepted.withLock { $0.append(connection) } }
            // The first EMFILE (bounded wait: a failure bound only), then several back-off periods
            // more: still one log line, not one per retry.
            let pauseDeadline = ContinuousClock.now + .seconds(60)
            while logs.records(event: "socket.accept_paused").isEmpty, ContinuousClock.now < pauseDeadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            try await Task.sleep(for: .milliseconds(400))
            // One line per exhaustion episode, not one per retry (a retry every few ms would give
            // dozens); two allows one episode ending and a new one starting under load.
            let paused = logs.records(event: "socket.accept_paused").count
            guard paused == 1 || paused == 2 else { exit(4) }
            let before = accepted.withLock { $0.count }
            guard clients.count >= 2 else { exit(Int32(20 + clients.count)) }
            guard before < clients.count else { exit(Int32(100 + before)) }  // some clients must be waiting in the backlog
            // Free descriptors (a closed client stays in the backlog and is still accepted):
            // every held-back connection gets accepted after the back-off.
            for connection in accepted.withLock({ $0 }) { connection.close() }
            for client in clients { client.close() }
            let acceptDeadline = ContinuousClock.now + .seconds(60)  // a failure bound only
            while accepted.withLock({ $0.count }) < clients.count, ContinuousClock.now < acceptDeadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let after = accepted.withLock { $0.count }
            guard after == clients.count else { exit(6) }
            exit(0)
        }
    }
}
