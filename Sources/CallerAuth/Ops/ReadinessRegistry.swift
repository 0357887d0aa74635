import Foundation
import Synchronization

/// The outcome of one readiness check: ok or failing, with one line an operator can act on.
///
/// `reason` goes into the `/readyz` body and the log, so it must never hold a secret, a token
/// or a personal number (the provider checks use `CIBAFailure.reason`, which is safe by design).
public struct ReadinessResult: Sendable, Equatable {
    public var isOK: Bool
    /// One line (newlines are replaced when rendered).
    public var reason: String

    public init(isOK: Bool, reason: String) {
        self.isOK = isOK
        self.reason = reason
    }

    public static func ok(_ reason: String = "ok") -> ReadinessResult { ReadinessResult(isOK: true, reason: reason) }
    public static func failing(_ reason: String) -> ReadinessResult { ReadinessResult(isOK: false, reason: reason) }
}

/// A named check `/readyz` runs, for example `discovery`, `jwks` or `sharedState`.
public struct ReadinessCheck: Sendable {
    public let name: String
    public let run: @Sendable () async -> ReadinessResult

    public init(name: String, run: @escaping @Sendable () async -> ReadinessResult) {
        self.name = name
        self.run = run
    }
}

/// The answer of all checks, in registration order.
public struct ReadinessReport: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var result: ReadinessResult
    }

    public var entries: [Entry]

    /// Ready when every check is ok (no checks at all counts as ready).
    public var isReady: Bool { entries.allSatisfy(\.result.isOK) }

    /// The names of the failing checks.
    public var failing: [String] { entries.filter { !$0.result.isOK }.map(\.name) }

    /// `ready` or `not ready`, then one line per check: `name ok: reason` / `name failing: reason`.
    public var text: String {
        var lines = [isReady ? "ready" : "not ready"]
        for entry in entries {
            let reason = entry.result.reason.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            lines.append("\(entry.name) \(entry.result.isOK ? "ok" : "failing"): \(reason)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The named checks behind `/readyz`. Modules register into it (the provider checks are
/// registered by `CallerAuthServer`; a shared-state store adds its own), and the ops endpoint
/// runs them all concurrently on each request.
///
/// What can go wrong: a check that hangs. Every check runs under `timeout`; one that has not
/// answered by then is reported failing ("no answer within N s") and the rest still answer,
/// so a probe never hangs on `/readyz`.
public final class ReadinessRegistry: Sendable {
    private let checks = Mutex<[ReadinessCheck]>([])
    public let timeout: Duration

    public init(timeout: Duration = .seconds(5)) {
        self.timeout = timeout
    }

    /// Adds a check; a later check with the same name replaces the earlier one (at its position).
    public func register(_ check: ReadinessCheck) {
        checks.withLock { list in
            if let index = list.firstIndex(where: { $0.name == check.name }) {
                list[index] = check
            } else {
                list.append(check)
            }
        }
    }

    public func register(name: String, _ run: @escaping @Sendable () async -> ReadinessResult) {
        register(ReadinessCheck(name: name, run: run))
    }

    /// The registered names, in order.
    public var names: [String] { checks.withLock { $0.map(\.name) } }

    /// Runs every check concurrently, each bounded by `timeout`.
    public func evaluate() async -> ReadinessReport {
        let list = checks.withLock { $0 }
        let timeout = self.timeout
        let results = await withTaskGroup(of: (Int, ReadinessResult).self) { group in
            for (index, check) in list.enumerated() {
                group.addTask { (index, await Self.run(check, timeout: timeout)) }
            }
            var results = [ReadinessResult?](repeating: nil, count: list.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
        return ReadinessReport(entries: zip(list, results).map { check, result in
            ReadinessReport.Entry(name: check.name, result: result ?? .failing("no answer"))
        })
    }

    /// One check raced against its timeout (the sleep is the failure bound, not synchronisation).
    /// Unstructured tasks, so a check that ignores cancellation cannot hold the answer back.
    private static func run(_ check: ReadinessCheck, timeout: Duration) async -> ReadinessResult {
        let answer = FirstAnswer()
        return await withCheckedContinuation { continuation in
            answer.install(continuation)
            let work = Task { answer.resume(await check.run()) }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled {
                    work.cancel()
                    answer.resume(.failing("no answer within \(timeout)"))
                }
            }
            answer.onResume { timer.cancel() }
        }
    }
}

/// Resumes a continuation with the first of several answers; later ones are dropped.
private final class FirstAnswer: Sendable {
    private struct State {
        var continuation: CheckedContinuation<ReadinessResult, Never>?
        var done = false
        var onResume: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<ReadinessResult, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Runs `action` once the answer is in (at once when it already is).
    func onResume(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.done { return true }
            state.onResume = action
            return false
        }
        if runNow { action() }
    }

    func resume(_ result: ReadinessResult) {
        let taken = state.withLock { state -> (CheckedContinuation<ReadinessResult, Never>, (@Sendable () -> Void)?)? in
            guard !state.done, let continuation = state.continuation else { return nil }
            state.done = true
            state.continuation = nil
            defer { state.onResume = nil }
            return (continuation, state.onResume)
        }
        guard let (continuation, action) = taken else { return }
        action?()
        continuation.resume(returning: result)
    }
}
