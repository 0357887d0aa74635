import Foundation
import StructuredLogging

/// Sends one request to the provider with the settings' timeout, and records it: one log
/// line (endpoint, status, duration, error code — never bodies, headers, URLs' queries, ids
/// or secrets) and one metrics callback.
///
/// Transport failures become ``CIBAFailure/Kind/unreachable``; a cancelled task surfaces as
/// `CancellationError` and is never reported as a provider failure.
struct ProviderHTTPClient: Sendable {
    let transport: any HTTPTransport
    let clock: ElapsedClock
    let logger: Logger
    let requestTimeout: Duration
    let observer: @Sendable (ProviderRequestMetric) -> Void

    /// `logger` replaces the client's own for this request's log line (a verification's logger
    /// carries its `txn` and `uniqueid`).
    func send(_ request: HTTPTransportRequest, endpoint: String, logger: Logger? = nil) async throws -> HTTPTransportResponse {
        let logger = logger ?? self.logger
        try Task.checkCancellation()
        let started = clock.now()
        do {
            let response = try await transport.send(request)
            let elapsed = clock.now() - started
            var oauthError: String? = nil
            // Only the log line needs the error code (a routine one goes at debug, others at info):
            // below info, a poll's answer is not parsed twice.
            if response.status >= 400 && logger.isEnabled(.info) {
                oauthError = JSONText.object(response.body).flatMap { JSONText.string($0, "error") }
                    .flatMap { SafeText.errorCode($0) } ?? "http_\(response.status)"
            }
            record(endpoint: endpoint, logger: logger, status: String(response.status), elapsed: elapsed, error: oauthError)
            return response
        } catch {
            let elapsed = clock.now() - started
            if error is CancellationError || Task.isCancelled {
                record(endpoint: endpoint, logger: logger, status: "cancelled", elapsed: elapsed, error: nil)
                throw CancellationError()
            }
            if let transportError = error as? HTTPTransportError {
                let status = transportError.kind == .timedOut ? "timeout" : "error"
                record(endpoint: endpoint, logger: logger, status: status, elapsed: elapsed, error: transportError.kind.description)
                let failure: CIBAFailure = transportError.kind == .invalidRequest
                    ? CIBAFailure(.configuration, "\(endpoint) request refused: \(transportError.reason)")
                    : transportError.kind == .responseTooLarge
                    ? CIBAFailure(.providerError, "\(endpoint) response too large")
                    : CIBAFailure(.unreachable, "\(endpoint): \(transportError.reason)")
                throw failure
            }
            record(endpoint: endpoint, logger: logger, status: "error", elapsed: elapsed, error: "transport")
            throw CIBAFailure(.unreachable, "\(endpoint) request failed")
        }
    }

    private func record(endpoint: String, logger: Logger, status: String, elapsed: Duration, error: String?) {
        observer(ProviderRequestMetric(endpoint: endpoint, status: status, duration: elapsed))
        guard logger.isEnabled(.info) else { return }   // the line goes at debug or info
        let ms = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        var fields: [(String, String)] = [("endpoint", endpoint), ("status", status), ("duration_ms", String(ms))]
        if let error { fields.append(("error", error)) }
        // Routine answers (success, authorization_pending, slow_down) at debug: a busy IVR polls a lot.
        let routine = error == nil || error == "authorization_pending" || error == "slow_down"
        logger.log(routine ? .debug : .info, "ciba.provider.request", fields: fields)
    }
}
