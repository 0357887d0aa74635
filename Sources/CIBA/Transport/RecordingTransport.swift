import URLEncoding
import Foundation

/// Wraps a transport and keeps a privacy-safe summary of every exchange, for transcripts
/// such as `ciba-agi demo` ("which requests went to the provider and what came back").
///
/// Summaries hold the method, the URL path, the form parameter NAMES (values only for a
/// short list of harmless parameters such as `scope`, `acr_values`, `grant_type`), the status
/// and the OAuth `error` code. Never a body, a header value, a hint, an `auth_req_id`, a
/// token, a secret or an assertion.
public final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    /// One exchange, summarised.
    public struct Entry: Sendable, CustomStringConvertible {
        public var method: String
        public var path: String
        /// Form parameters in order; values of sensitive parameters are replaced by `…`.
        public var parameters: [(String, String)]
        /// HTTP status, or nil when the transport failed.
        public var status: Int?
        /// OAuth `error` of the answer, or the transport failure kind.
        public var error: String?

        public var description: String {
            let params = parameters.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            var text = "\(method) \(path)"
            if !params.isEmpty { text += " [\(params)]" }
            text += " -> " + (status.map(String.init) ?? "no answer")
            if let error { text += " \(error)" }
            return text
        }
    }

    /// Parameters whose values are shown.
    public static let visibleParameters: Set<String> = [
        "scope", "acr_values", "grant_type", "client_assertion_type", "requested_expiry", "client_id",
        "binding_message",
    ]

    private let inner: any HTTPTransport
    private let entries = Locked<[Entry]>([])

    public init(wrapping inner: any HTTPTransport) {
        self.inner = inner
    }

    /// Every exchange so far, in order.
    public var exchanges: [Entry] { entries.current }

    public func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        let parameters = FormURLEncoding.decode(String(decoding: request.body, as: UTF8.self)).map { name, value in
            (name, RecordingTransport.visibleParameters.contains(name) ? (SafeText.sanitize(value) ?? "") : "…")
        }
        var entry = Entry(method: request.method, path: request.url.path, parameters: parameters, status: nil, error: nil)
        do {
            let response = try await inner.send(request)
            entry.status = response.status
            if response.status >= 400 {
                entry.error = JSONText.object(response.body).flatMap { JSONText.string($0, "error") }.flatMap { SafeText.errorCode($0) }
            }
            entries.withLock { $0.append(entry) }
            return response
        } catch {
            entry.error = (error as? HTTPTransportError)?.kind.description ?? (error is CancellationError ? "cancelled" : "error")
            entries.withLock { $0.append(entry) }
            throw error
        }
    }
}
