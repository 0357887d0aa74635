/// Routes requests by exact path and method, answering 404 for unknown paths and 405
/// (with `Allow`) for known paths with another method. A `GET` route also serves
/// `HEAD` (the server strips the body).
///
/// ```swift
/// var router = HTTPRouter()
/// router.add("GET", "/healthz") { _ in .text("ok") }
/// let server = HTTPServer(listen: address, logger: log, handler: router.handler)
/// ```
public struct HTTPRouter: Sendable {
    private var routes: [String: [String: HTTPHandler]] = [:]  // path -> method -> handler

    public init() {}

    /// Registers `handler` for `method` (exact, e.g. `GET`) on `path` (exact, decoded).
    public mutating func add(_ method: String, _ path: String, _ handler: @escaping HTTPHandler) {
        routes[path, default: [:]][method] = handler
    }

    /// Dispatches one request.
    public func route(_ request: HTTPRequest) async -> HTTPResponse {
        guard let methods = routes[request.path] else { return .notFound }
        if let handler = methods[request.method] { return await handler(request) }
        if request.method == "HEAD", let handler = methods["GET"] { return await handler(request) }
        var allowed = Set(methods.keys)
        if allowed.contains("GET") { allowed.insert("HEAD") }
        return .methodNotAllowed(allowed: allowed.sorted())
    }

    /// The router as a server handler.
    public var handler: HTTPHandler {
        let copy = self
        return { request in await copy.route(request) }
    }
}
