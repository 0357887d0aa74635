import Foundation
import HTTPServer
import Sockets
import StructuredLogging

/// The operations endpoint (CONTRACT §5) on `opsListen`: `GET /healthz` answers `ok`,
/// `GET /metrics` the Prometheus text. Bind it to loopback or a management network: it
/// has no authentication (it holds nothing personal, but it shows traffic volumes).
public final class OpsEndpoint: Sendable {
    private let server: HTTPServer

    public init(listen: SocketAddress, metrics: MetricsRegistry, logger: Logger) {
        server = HTTPServer(listen: listen, logger: logger, handler: Self.handler(metrics: metrics))
    }

    /// The request handler alone (tests call it without a socket).
    public static func handler(metrics: MetricsRegistry) -> HTTPHandler {
        { request in
            guard request.method == "GET" || request.method == "HEAD" else {
                return .methodNotAllowed(allowed: ["GET", "HEAD"])
            }
            switch request.path {
            case "/healthz":
                return .text("ok\n")
            case "/metrics":
                var response = HTTPResponse.text(metrics.render())
                response.setHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                return response
            default:
                return .notFound
            }
        }
    }

    /// Binds and starts serving; returns the bound address.
    @discardableResult
    public func start() throws -> SocketAddress { try server.start() }

    public func shutdown() async { await server.shutdown() }
}
