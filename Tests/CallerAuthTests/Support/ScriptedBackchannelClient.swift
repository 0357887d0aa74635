import Foundation
import Synchronization
import CIBA
import JOSE
import StructuredLogging
@testable import CallerAuth

/// A CIBA client whose provider answers are scripted by the test, one poll at a time.
///
/// bc-authorize answers from `startAnswer` (optionally held until `releaseStart()`); each poll
/// is counted and announced on `pollsStarted`, then waits for the test's next `answer(_:)`.
/// Cancellation ends a wait at once, so a poll counted after a cancel is a real engine bug.
final class ScriptedBackchannelClient: BackchannelClient, Sendable {
    enum PollAnswer: Sendable {
        case pending
        case verified([String: JSONValue])
        case failure(CIBAFailure)
    }

    private struct State {
        var startAnswer: Result<BackchannelGrant, CIBAFailure>
        var starts = 0
        var startsCancelled = 0
        var polls = 0
        var loggerContexts: [[String: String]] = []
    }
    private let state: Mutex<State>
    private let answers: AsyncStream<PollAnswer>
    private let answerContinuation: AsyncStream<PollAnswer>.Continuation
    let pollsStarted: AsyncStream<Int>
    private let pollsContinuation: AsyncStream<Int>.Continuation
    private let holdStart: Bool
    private let startGate: AsyncStream<Void>
    private let startGateContinuation: AsyncStream<Void>.Continuation

    init(bindingMessage: String? = "fjell sol", expiresIn: Int = 120, startFailure: CIBAFailure? = nil, holdStart: Bool = false) {
        let grant = BackchannelGrant(authReqID: "areq-secret-123", expiresIn: expiresIn, interval: 1,
                                     bindingMessage: bindingMessage, receivedAt: .zero)
        state = Mutex(State(startAnswer: startFailure.map { .failure($0) } ?? .success(grant)))
        (answers, answerContinuation) = AsyncStream.makeStream()
        (pollsStarted, pollsContinuation) = AsyncStream.makeStream()
        (startGate, startGateContinuation) = AsyncStream.makeStream()
        self.holdStart = holdStart
    }

    func answer(_ answer: PollAnswer) { answerContinuation.yield(answer) }
    func releaseStart() { startGateContinuation.yield(()) }
    var starts: Int { state.withLock { $0.starts } }
    var startsCancelled: Int { state.withLock { $0.startsCancelled } }
    var polls: Int { state.withLock { $0.polls } }
    var loggerContexts: [[String: String]] { state.withLock { $0.loggerContexts } }

    func start(_ request: BackchannelRequest, logger: Logger?) async throws -> BackchannelGrant {
        let answer = state.withLock { s in
            s.starts += 1
            s.loggerContexts.append(Dictionary(logger?.context ?? [], uniquingKeysWith: { $1 }))
            return s.startAnswer
        }
        if holdStart {
            var gate = startGate.makeAsyncIterator()
            if await gate.next() == nil || Task.isCancelled {
                state.withLock { $0.startsCancelled += 1 }
                throw CancellationError()
            }
        }
        return try answer.get()
    }

    func pollForIdentity(_ grant: BackchannelGrant, expectedClaim: (name: String, value: String)?, logger: Logger?,
                         onEvent: @escaping @Sendable (PollEvent) async -> Void) async throws -> VerifiedIdentity {
        var iterator = answers.makeAsyncIterator()
        while true {
            try Task.checkCancellation()
            let n = state.withLock { s in
                s.polls += 1
                return s.polls
            }
            pollsContinuation.yield(n)
            guard let answer = await iterator.next(), !Task.isCancelled else { throw CancellationError() }
            switch answer {
            case .pending:
                await onEvent(.pending(description: nil, poll: n))
            case .verified(let claims):
                return VerifiedIdentity(claims: claims, polls: n)
            case .failure(var failure):
                failure.polls = n
                throw failure
            }
        }
    }
}
