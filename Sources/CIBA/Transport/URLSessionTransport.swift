import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real ``HTTPTransport``: FoundationNetworking's `URLSession` (libcurl underneath on Linux).
///
/// - One `URLSession` per transport, so keep one transport per provider/authenticator: libcurl
///   then reuses TCP and TLS connections across polls.
/// - `request.timeout` is enforced by our own timer as a hard bound on the whole exchange
///   (libcurl's timeout in corelibs-foundation is an idle timeout); when it fires the
///   `URLSessionTask` is cancelled and ``HTTPTransportError/timedOut`` is thrown.
/// - Task cancellation cancels the `URLSessionTask` at once and throws `CancellationError`.
/// - Bodies beyond `maxResponseBytes` abort the transfer (``HTTPTransportError/responseTooLarge``).
/// - Redirects are never followed: the 3xx response is returned as is.
///
/// ## Custom CA (`caFile`)
/// swift-corelibs-foundation has no per-session trust API. Its libcurl glue
/// (`_EasyHandle.setCARootBundlePath()`) reads the environment variable
/// `URLSessionCertificateAuthorityInfoFile` for `CURLOPT_CAINFO`, but only in Android builds
/// (`#if os(Android)`); the Linux build ignores it (the string is not even in
/// `libFoundationNetworking.so`) and uses libcurl's built-in bundle
/// (`/etc/ssl/certs/ca-certificates.crt` on Debian). Therefore:
/// - on Android, `caFile` sets that variable for the WHOLE PROCESS (every URLSession, also other
///   modules'); a different value already set is a configuration error;
/// - elsewhere a `caFile` is refused with a configuration error that says to install the CA
///   into the system trust store (`/usr/local/share/ca-certificates/` + `update-ca-certificates`).
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    public struct Configuration: Sendable {
        public var maxResponseBytes: Int
        public var caFile: String?
        public var maxConnectionsPerHost: Int

        public init(maxResponseBytes: Int = 1_048_576, caFile: String? = nil, maxConnectionsPerHost: Int = 16) {
            self.maxResponseBytes = maxResponseBytes
            self.caFile = caFile
            self.maxConnectionsPerHost = maxConnectionsPerHost
        }
    }

    /// Whether this platform's FoundationNetworking honours a custom CA file (see the type's docs).
    public static var supportsCustomCAFile: Bool {
        #if os(Android)
        true
        #else
        false
        #endif
    }

    public let configuration: Configuration
    private let session: URLSession
    private let delegate: TransportDelegate

    public init(configuration: Configuration = Configuration()) throws(CIBAFailure) {
        if let caFile = configuration.caFile {
            try URLSessionTransport.installCAFile(caFile)
        }
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.httpMaximumConnectionsPerHost = max(1, configuration.maxConnectionsPerHost)
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        sessionConfiguration.urlCache = nil
        sessionConfiguration.httpCookieStorage = nil
        sessionConfiguration.httpShouldSetCookies = false
        sessionConfiguration.timeoutIntervalForResource = 600
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        delegate = TransportDelegate()
        session = URLSession(configuration: sessionConfiguration, delegate: delegate, delegateQueue: queue)
    }

    deinit {
        session.invalidateAndCancel()
    }

    private static func installCAFile(_ path: String) throws(CIBAFailure) {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw CIBAFailure(.configuration, "caFile \(path) is not a readable file")
        }
        guard supportsCustomCAFile else {
            throw CIBAFailure(.configuration,
                "caFile is not supported by FoundationNetworking on this platform; add the CA to the system trust store (/usr/local/share/ca-certificates + update-ca-certificates)")
        }
        let name = "URLSessionCertificateAuthorityInfoFile"
        if let current = ProcessInfo.processInfo.environment[name] {
            guard current == path else {
                throw CIBAFailure(.configuration, "\(name) is already set to a different file for this process")
            }
            return
        }
        setenv(name, path, 0)
    }

    public func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        try Task.checkCancellation()
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.addValue(value, forHTTPHeaderField: name) }
        if !request.body.isEmpty { urlRequest.httpBody = Data(request.body) }
        let seconds = max(0.001, Double(request.timeout.components.seconds)
            + Double(request.timeout.components.attoseconds) / 1e18)
        urlRequest.timeoutInterval = seconds
        urlRequest.cachePolicy = .reloadIgnoringLocalCacheData

        let task = session.dataTask(with: urlRequest)
        let exchange = PendingExchange(limit: configuration.maxResponseBytes, host: request.url.host ?? "?")
        delegate.register(exchange, for: task.taskIdentifier)
        let cancelTask: @Sendable () -> Void = { task.cancel() }
        exchange.cancelTransfer = cancelTask

        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPTransportResponse, any Error>) in
                exchange.attach(continuation)
                task.resume()
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                    if exchange.finish(.failure(HTTPTransportError(.timedOut,
                        "no complete answer from \(exchange.host) within \(request.timeout)"))) {
                        cancelTask()
                    }
                }
            }
        } onCancel: {
            if exchange.finish(.failure(CancellationError())) { cancelTask() }
        }
    }
}

/// One in-flight request: collects the response and resumes the caller exactly once
/// (whichever comes first: completion, timeout, cancellation, size limit).
final class PendingExchange: @unchecked Sendable {
    let limit: Int
    let host: String
    private let lock = NSLock()
    private var continuation: CheckedContinuation<HTTPTransportResponse, any Error>?
    private var early: Result<HTTPTransportResponse, any Error>?
    private var done = false
    private var response: HTTPURLResponse?
    private var body: [UInt8] = []
    private var _cancelTransfer: (@Sendable () -> Void)?

    init(limit: Int, host: String) {
        self.limit = limit
        self.host = host
    }

    var cancelTransfer: (@Sendable () -> Void)? {
        get { lock.lock(); defer { lock.unlock() }; return _cancelTransfer }
        set { lock.lock(); _cancelTransfer = newValue; lock.unlock() }
    }

    func attach(_ continuation: CheckedContinuation<HTTPTransportResponse, any Error>) {
        lock.lock()
        if let early {
            lock.unlock()
            continuation.resume(with: early)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    /// Resolves the exchange; returns false when it was already resolved.
    @discardableResult
    func finish(_ result: Result<HTTPTransportResponse, any Error>) -> Bool {
        lock.lock()
        guard !done else { lock.unlock(); return false }
        done = true
        let continuation = self.continuation
        self.continuation = nil
        if continuation == nil { early = result }
        lock.unlock()
        continuation?.resume(with: result)
        return true
    }

    func received(response: URLResponse) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        self.response = response as? HTTPURLResponse
        if let expected = self.response?.expectedContentLength, expected > Int64(limit) { return false }
        return true
    }

    func received(data: Data) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard body.count + data.count <= limit else { return false }
        body.append(contentsOf: data)
        return true
    }

    func completed(error: (any Error)?) {
        if let error {
            finish(.failure(PendingExchange.map(error, host: host)))
            return
        }
        lock.lock()
        let response = self.response
        let body = self.body
        lock.unlock()
        guard let response else {
            finish(.failure(HTTPTransportError(.unreachable, "no HTTP response from \(host)")))
            return
        }
        var headers: [(String, String)] = []
        for (key, value) in response.allHeaderFields {
            headers.append(("\(key)", "\(value)"))
        }
        finish(.success(HTTPTransportResponse(status: response.statusCode, headers: headers, body: body)))
    }

    /// Ends the exchange with the challenged response (status 401 when unknown).
    func challenged(failureResponse: URLResponse?) {
        let http = failureResponse as? HTTPURLResponse
        var headers: [(String, String)] = []
        for (key, value) in http?.allHeaderFields ?? [:] { headers.append(("\(key)", "\(value)")) }
        lock.lock()
        let body = self.body
        lock.unlock()
        finish(.success(HTTPTransportResponse(status: http?.statusCode ?? 401, headers: headers, body: body)))
        cancelTransfer?()
    }

    static func map(_ error: any Error, host: String) -> HTTPTransportError {
        guard let urlError = error as? URLError else {
            return HTTPTransportError(.unreachable, "request to \(host) failed")
        }
        switch urlError.code {
        case .timedOut:
            return HTTPTransportError(.timedOut, "request to \(host) timed out")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
             .clientCertificateRequired:
            return HTTPTransportError(.unreachable, "TLS handshake with \(host) failed (URLError \(urlError.code.rawValue))")
        case .unsupportedURL, .badURL:
            return HTTPTransportError(.invalidRequest, "URL for \(host) refused (URLError \(urlError.code.rawValue))")
        default:
            return HTTPTransportError(.unreachable, "cannot reach \(host) (URLError \(urlError.code.rawValue))")
        }
    }
}

/// Routes URLSession delegate callbacks to the pending exchange of each task.
final class TransportDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var exchanges: [Int: PendingExchange] = [:]

    func register(_ exchange: PendingExchange, for id: Int) {
        lock.lock()
        exchanges[id] = exchange
        lock.unlock()
    }

    private func exchange(_ id: Int, remove: Bool = false) -> PendingExchange? {
        lock.lock()
        defer { lock.unlock() }
        return remove ? exchanges.removeValue(forKey: id) : exchanges[id]
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let exchange = exchange(dataTask.taskIdentifier) else { completionHandler(.cancel); return }
        if exchange.received(response: response) {
            completionHandler(.allow)
        } else {
            exchange.finish(.failure(HTTPTransportError(.responseTooLarge,
                "response from \(exchange.host) exceeds \(exchange.limit) bytes")))
            completionHandler(.cancel)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let exchange = exchange(dataTask.taskIdentifier) else { return }
        if !exchange.received(data: data) {
            exchange.finish(.failure(HTTPTransportError(.responseTooLarge,
                "response from \(exchange.host) exceeds \(exchange.limit) bytes")))
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        exchange(task.taskIdentifier, remove: true)?.completed(error: error)
    }

    /// A 401 with `WWW-Authenticate` makes FoundationNetworking ask for credentials. Its
    /// default handling without a stored credential never completes the task (the request
    /// would hang until our timeout), so the challenge is answered here: the exchange ends
    /// with the 401 (status and headers; the body is not available at this point) and the
    /// transfer is cancelled. The client maps a bare 401 to "credentials rejected".
    func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                    completionHandler: @escaping (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
        if let exchange = exchange(task.taskIdentifier) {
            exchange.challenged(failureResponse: challenge.failureResponse)
        }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
