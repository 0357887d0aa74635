import AGI
import Sockets
import StructuredLogging
import Synchronization

/// A minimal Asterisk over real TCP for server tests: sends an environment block, answers every
/// command line with `200 result=0` (optionally not at all), and records what happened.
struct ServerTestClient {
    struct Outcome: Sendable {
        var commands: [String] = []
        /// The server closed the connection (EOF or reset) — as opposed to our own timeout.
        var closedByServer = false
        var elapsed: Duration = .zero
    }

    var script: String
    /// Send the environment block at all.
    var sendEnvironment = true
    /// Reply to commands that start with one of these prefixes? Others are never answered.
    var unansweredPrefixes: [String] = []
    /// Give up after this long.
    var deadline: Duration = .seconds(10)

    func run(against address: SocketAddress) async throws -> Outcome {
        let started = ContinuousClock.now
        let connection = try await TCPConnection.connect(to: address, timeout: .seconds(5))
        defer { connection.close() }
        var outcome = Outcome()
        if sendEnvironment {
            let block = """
            agi_network: yes
            agi_network_script: \(script)
            agi_request: agi://\(address)/\(script)
            agi_channel: SIP/test-00000001
            agi_language: en
            agi_type: SIP
            agi_uniqueid: 1700000000.\(Int.random(in: 1...99999))
            agi_version: 22.10.1
            agi_callerid: 0701234567
            agi_calleridname: Test
            agi_context: ivr
            agi_extension: 100
            agi_priority: 1
            agi_threadid: 1


            """
            do { try await connection.write(Array(block.utf8), timeout: .seconds(5)) } catch {
                outcome.closedByServer = true
                outcome.elapsed = ContinuousClock.now - started
                return outcome
            }
        }
        var buffer: [UInt8] = []
        reading: while true {
            let remaining = deadline - (ContinuousClock.now - started)
            guard remaining > .zero else { break }
            let chunk: [UInt8]
            do {
                chunk = try await connection.read(timeout: remaining)
            } catch let error as SocketError where error.kind == .timedOut {
                break reading
            } catch {
                outcome.closedByServer = true  // reset by the server
                break reading
            }
            if chunk.isEmpty {
                outcome.closedByServer = true
                break
            }
            buffer += chunk
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                outcome.commands.append(line)
                if unansweredPrefixes.contains(where: { line.hasPrefix($0) }) { continue }
                do { try await connection.write(Array("200 result=0\n".utf8), timeout: .seconds(5)) } catch {
                    outcome.closedByServer = true
                    break reading
                }
            }
        }
        outcome.elapsed = ContinuousClock.now - started
        return outcome
    }
}

/// Counts handler runs so tests can prove a handler never started.
final class HandlerProbe: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func hit(_ name: String) { counts.withLock { $0[name, default: 0] += 1 } }
    func count(_ name: String) -> Int { counts.withLock { $0[name, default: 0] } }
}

/// Waits (polling briefly) until `condition` holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(60), _ condition: @Sendable () -> Bool) async -> Bool {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < timeout {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// Runs `body` on the socket loop thread (`SocketLoopExecutor`), as FastAGI sessions run in
/// production. Timing assertions then hold even while other suites in the same test process
/// block the (two-thread) cooperative pool with synchronous work.
func onSocketLoop<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(SocketLoopExecutor.shared, operation: body)
}
