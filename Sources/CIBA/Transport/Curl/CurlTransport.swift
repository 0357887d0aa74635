import CCurl
import Foundation
import Sockets

/// The shipping ``HTTPTransport``: libcurl's multi interface on the socket epoll loop.
///
/// - Keep one transport per provider: its multi handle holds the connection cache, so polls
///   reuse keep-alive connections and, over https, share HTTP/2 connections when the provider
///   offers h2 through ALPN.
/// - `request.timeout` is a hard bound on the whole exchange (``HTTPTransportError/timedOut``).
/// - Cancelling the calling task removes the transfer from the multi handle at once; nothing
///   more is sent for it, and the caller gets `CancellationError`.
/// - A response longer than ``TransportSettings/maxResponseBytes`` is cut off in the write
///   callback (``HTTPTransportError/responseTooLarge``).
/// - Redirects are returned as they are, never followed.
/// - Failures are operator texts ("DNS lookup of HOST failed", "connection to 127.0.0.1:8480
///   refused", "TLS: certificate of HOST not trusted: set provider.caFile ..."), see
///   ``HTTPTransportError``.
///
/// Cost: one job on the loop per request (no thread, no Dispatch hop); libcurl's threaded
/// resolver starts a short-lived thread only when a host name must be resolved (its DNS cache
/// and the connection cache make that rare).
public final class CurlTransport: HTTPTransport {
    public let settings: TransportSettings
    private let multi: CurlMulti

    public init(settings: TransportSettings = TransportSettings()) throws(HTTPTransportError) {
        self.settings = settings
        multi = try CurlMulti(settings: settings)
    }

    deinit {
        let multi = self.multi
        SocketLoop.execute { multi.close() }
    }

    /// The libcurl version and TLS library, for start-up logs (`libcurl/7.88.1 OpenSSL/3.0.17`).
    public static var libraryVersion: String {
        CurlLibrary.initialize()
        return String(cString: curl_version())
    }

    /// Whether the system libcurl speaks HTTP/2 (then https requests offer `h2` through ALPN
    /// before `http/1.1`, and use it when the provider picks it).
    public static var supportsHTTP2: Bool {
        CurlLibrary.initialize()
        return ccurl_has_http2() != 0
    }

    public func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        try Task.checkCancellation()
        let transfer = try CurlTransfer(request: request, limit: settings.maxResponseBytes)
        let multi = self.multi
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPTransportResponse, any Error>) in
                SocketLoop.execute { multi.start(transfer, continuation) }
            }
        } onCancel: {
            SocketLoop.execute { multi.cancel(transfer) }
        }
    }
}
