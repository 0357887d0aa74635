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
        var early: [UInt8] = []
    }

    let peerDescription = "scripted"
    let fragment: Int?
    /// Manual mode: the test delivers replies itself; extra commands are not mismatches.
    let manual: Bool
    private let queue = DispatchQueue(label: "ScriptedTransport")
    private let state = Mutex(State())

    /// - Parameter fragment: deliver in chunks of this many bytes (tests line reassembly).
    init(lines: [Fixture.Line], fragment: Int? = nil, manual: Bool = false) {
        self.fragment = fragment
        self.manual = manual
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
    var writtenLines: [String] { written.split(separator: "\n").map(String.init) }

    /// A transport that only sends `environment` (then an empty line); the test does the rest.
    static func manual(environment: [String]) -> ScriptedTransport {
        ScriptedTransport(lines: (environment + [""]).map { .init(direction: .fromAsterisk, text: $0, milliseconds: 0) },
                          manual: true)
    }

    /// Waits (bounded) until `count` lines have been written.
    func waitForWrites(_ count: Int, within limit: Duration = .seconds(120)) async -> Bool {  // a failure bound only
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if writtenLines.count >= count { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return false
    }

    func startReceiving(onReceive: @escaping @Sendable (ArraySlice<UInt8>) -> Void,
                        onClose: @escaping @Sendable ((any Error)?) -> Void) {
        let (initial, early) = state.withLock { s -> ([String], [UInt8]) in
            s.onReceive = onReceive
            s.onClose = onClose
            defer { s.early = [] }
            return (s.initial, s.early)
        }
        deliver(initial)
        if !early.isEmpty { deliver(bytes: early) }
    }

    /// Delivers lines as raw bytes (a test may also inject bytes directly).
    func deliver(_ lines: [String]) {
        guard !lines.isEmpty else { return }
        deliver(bytes: Array(lines.map { $0 + "\n" }.joined().utf8))
    }

    func deliver(bytes: [UInt8]) {
        let callback = state.withLock { s -> (@Sendable (ArraySlice<UInt8>) -> Void)? in
            if s.closed { return nil }
            if s.onReceive == nil { s.early += bytes }  // not started yet: keep for startReceiving
            return s.onReceive
        }
        guard let callback else { return }
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
                if !manual { s.mismatches.append("unexpected extra command: \(text)") }
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
