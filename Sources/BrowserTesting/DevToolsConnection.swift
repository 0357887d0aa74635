import Foundation
import JOSE
import Synchronization

/// The reading side of the DevTools pipe: a thread that splits the stream at NUL bytes,
/// parses each message and resumes the command waiting for its `id`. Events are only kept
/// for console output (test diagnostics).
final class DevToolsConnection: Sendable {
    private let descriptor: Int32
    private let state = Mutex(State())

    private struct State {
        var next = 0
        var waiting: [Int: CheckedContinuation<JSONValue, any Error>] = [:]
        var console: [String] = []
        var ended = false
    }

    init(reading descriptor: Int32) { self.descriptor = descriptor }

    var console: [String] { state.withLock { $0.console } }

    func nextID() -> Int { state.withLock { $0.next += 1; return $0.next } }

    /// Registers `id`, runs `send`, and waits for the answer (or the timeout, or the pipe's end).
    func awaitAnswer(id: Int, timeout: Duration, method: String, send: @escaping @Sendable () -> Bool) async throws -> JSONValue {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            if Task.isCancelled { return }
            self?.fail(id, BrowserError("\(method): no answer within \(timeout)"))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let ended = state.withLock { state -> Bool in
                if state.ended { return true }
                state.waiting[id] = continuation
                return false
            }
            if ended { return continuation.resume(throwing: BrowserError("the browser has exited")) }
            if !send() { fail(id, BrowserError("\(method): cannot write to the browser")) }
        }
    }

    private func fail(_ id: Int, _ error: any Error) {
        state.withLock { $0.waiting.removeValue(forKey: id) }?.resume(throwing: error)
    }

    func startReading() {
        let thread = Thread { [self] in readLoop() }
        thread.name = "devtools-pipe"
        thread.start()
    }

    /// Nothing to do: the reader thread ends when the browser exits (its write end closes)
    /// and closes the descriptor itself; closing it under a blocked `read` would be a race.
    func stop() {}

    private func readLoop() {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            buffer.append(contentsOf: chunk[0..<n])
            while let end = buffer.firstIndex(of: 0) {
                let message = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                handle(message)
            }
        }
        Glibc.close(descriptor)
        let waiting = state.withLock { state -> [CheckedContinuation<JSONValue, any Error>] in
            state.ended = true
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for continuation in waiting { continuation.resume(throwing: BrowserError("the browser closed the DevTools pipe")) }
    }

    private func handle(_ bytes: [UInt8]) {
        guard let message = try? JSONValue.parse(bytes) else { return }
        if let id = message["id"]?.intValue {
            let continuation = state.withLock { $0.waiting.removeValue(forKey: id) }
            if let error = message["error"] {
                continuation?.resume(throwing: BrowserError("DevTools error: \(error["message"]?.stringValue ?? "?")"))
            } else {
                continuation?.resume(returning: message["result"] ?? .null)
            }
            return
        }
        switch message["method"]?.stringValue {
        case "Runtime.consoleAPICalled":
            let text = message["params"]?["args"]?.arrayValue?.compactMap { $0["value"]?.stringValue ?? $0["description"]?.stringValue }
                .joined(separator: " ") ?? ""
            state.withLock { $0.console.append("console: \(text)") }
        case "Runtime.exceptionThrown":
            let text = message["params"]?["exceptionDetails"]?["exception"]?["description"]?.stringValue ?? "exception"
            state.withLock { $0.console.append("exception: \(text)") }
        default:
            break
        }
    }
}
