import Dispatch
import Foundation
import Synchronization
@testable import AGI

/// Plays Asterisk's side of a recorded transcript: delivers the `<<` lines up to the next
/// `>>` line, and after each write checks the bytes against that `>>` line.
final class ScriptedTransport: AGITransport, Sendable {
    struct State {
        var steps: [(expected: String, replies: [String])] = []
        var initial: [String] = []
        var next = 0
        var written: [UInt8] = []
        var mismatches: [String] = []
        var onReceive: (@Sendable (ArraySlice<UInt8>) -> Void)?
        var onClose: (@Sendable ((any Error)?) -> Void)?
        var closed = false
        var halfClosed = false
    }

    let peerDescription = "scripted"
    let fragment: Int?
    private let queue = DispatchQueue(label: "ScriptedTransport")
    private let state = Mutex(State())

    /// - Parameter fragment: deliver in chunks of this many bytes (tests line reassembly).
    init(lines: [Fixture.Line], fragment: Int? = nil) {
        self.fragment = fragment
        var initial: [String] = []
        var steps: [(String, [String])] = []
        for line in lines {
            switch line.direction {
            case .fromServer: steps.append((line.text, []))
            case .fromAsterisk:
                if steps.isEmpty { initial.append(line.text) } else { steps[steps.count - 1].1.append(line.text) }
            }
        }
        state.withLock {
            $0.initial = initial
            $0.steps = steps.map { (expected: $0.0, replies: $0.1) }
        }
    }

    var written: String { String(decoding: state.withLock { $0.written }, as: UTF8.self) }
    var mismatches: [String] { state.withLock { $0.mismatches } }
    var isClosed: Bool { state.withLock { $0.closed } }

    func startReceiving(onReceive: @escaping @Sendable (ArraySlice<UInt8>) -> Void,
                        onClose: @escaping @Sendable ((any Error)?) -> Void) {
        let initial = state.withLock { s -> [String] in
            s.onReceive = onReceive
            s.onClose = onClose
            return s.initial
        }
        deliver(initial)
    }

    /// Delivers lines as raw bytes (a test may also inject bytes directly).
    func deliver(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        deliver(bytes: Array(lines.map { $0 + "\n" }.joined().utf8))
    }

    func deliver(bytes: [UInt8]) {
        guard let callback = state.withLock({ $0.closed ? nil : $0.onReceive }) else { return }
        let size = fragment ?? max(bytes.count, 1)
        queue.async {
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + size, bytes.count)
                callback(bytes[offset..<end])
                offset = end
            }
        }
    }

    /// Simulates the peer closing the connection.
    func peerCloses() {
        queue.async {
            let callback = self.state.withLock { s -> (@Sendable ((any Error)?) -> Void)? in
                defer { s.onClose = nil; s.onReceive = nil }
                return s.onClose
            }
            callback?(nil)
        }
    }

    func send(_ bytes: [UInt8]) async throws {
        let replies: [String]? = state.withLock { s in
            guard !s.closed else { return nil }
            s.written += bytes
            let text = String(decoding: bytes, as: UTF8.self)
            guard s.next < s.steps.count else {
                s.mismatches.append("unexpected extra command: \(text)")
                return []
            }
            let step = s.steps[s.next]
            s.next += 1
            if text != step.expected + "\n" { s.mismatches.append("expected \(step.expected) got \(text)") }
            return step.replies
        }
        guard let replies else { throw AGIError(.closed, "scripted transport closed") }
        deliver(replies)
    }

    func shutdownWrite() { state.withLock { $0.halfClosed = true } }

    func close() {
        let first = state.withLock { s -> Bool in
            defer { s.closed = true }
            return !s.closed
        }
        if first { peerCloses() }
    }
}
