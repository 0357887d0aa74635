import Foundation
import HTTPServer
import Sockets
import StructuredLogging

/// The operations endpoint (CONTRACT §5) on `opsListen`: `GET /healthz` answers `ok` (the
/// process runs), `GET /readyz` runs the named readiness checks (200 when all are ok, 503
/// otherwise, one line per check either way), `GET /metrics` the Prometheus text. Bind it to loopback or a management network: it
/// has no authentication (it holds nothing personal, but it shows traffic volumes).
public final class OpsEndpoint: Sendable {
    private let server: HTTPServer

    public init(listen: SocketAddress, metrics: MetricsRegistry, readiness: ReadinessRegistry = ReadinessRegistry(),
                logger: Logger) {
        server = HTTPServer(listen: listen, logger: logger, handler: Self.handler(metrics: metrics, readiness: readiness))
    }

    /// The request handler alone (tests call it without a socket).
    public static func handler(metrics: MetricsRegistry, readiness: ReadinessRegistry = ReadinessRegistry()) -> HTTPHandler {
        { request in
            guard request.method == "GET" || request.method == "HEAD" else {
                return .methodNotAllowed(allowed: ["GET", "HEAD"])
            }
            switch request.path {
            case "/healthz":
                return .text("ok\n")
            case "/readyz":
                let report = await readiness.evaluate()
                var response = HTTPResponse.text(report.text, status: report.isReady ? 200 : 503)
                response.setHeader("Cache-Control", "no-store")
                return response
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
