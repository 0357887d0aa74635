import CCurl
import Foundation

/// One request on a ``CurlMulti``: the easy handle while it runs, the header list libcurl
/// reads from, the response as it arrives, and the caller's continuation.
///
/// Created on the caller's thread with immutable request data; from then on touched only on
/// the socket loop thread (the multi's invariant), which is why it is `@unchecked Sendable`.
final class CurlTransfer: @unchecked Sendable {
    /// Where the transfer is in its life. Exactly one resume of the continuation.
    enum Phase {
        /// Created; the start job has not run yet.
        case created
        /// Cancelled before the start job ran: the start job resumes with `CancellationError`.
        case cancelledBeforeStart
        /// On the multi handle.
        case running(easy: UnsafeMutableRawPointer, continuation: CheckedContinuation<HTTPTransportResponse, any Error>)
        /// Resumed; nothing more happens.
        case finished
    }

    let request: HTTPTransportRequest
    let target: CurlTarget
    let limit: Int
    var phase = Phase.created
    var headerList: UnsafeMutablePointer<curl_slist>?
    /// libcurl's detail text of the last failure (CURLOPT_ERRORBUFFER); only read for classification.
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    var status = 0
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    var receivedBytes = 0
    /// The write or header callback stopped the transfer because of `limit`.
    var cutAtLimit = false

    init(request: HTTPTransportRequest, limit: Int) throws(HTTPTransportError) {
        self.request = request
        self.limit = limit
        self.target = try CurlTarget(request.url)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        for (name, value) in request.headers {
            let clean = { (text: String) in !text.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 } }
            guard !name.isEmpty, clean(name), clean(value), !name.contains(":") else {
                throw HTTPTransportError(.invalidRequest, "header \(SafeText.sanitize(name) ?? "?") has a line break or colon in it")
            }
        }
    }

    deinit {
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    /// Builds the request header list (with `Expect:` removed: no 100-continue round trip).
    func makeHeaderList() -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in request.headers {
            list = curl_slist_append(list, "\(name): \(value)")
        }
        list = curl_slist_append(list, "Expect:")
        headerList = list
        return list
    }

    /// Appends body bytes; false (stop the transfer) past the limit.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        receivedBytes += bytes.count
        guard receivedBytes <= limit else { cutAtLimit = true; return false }
        body.append(contentsOf: bytes)
        return true
    }

    /// Takes one header line. A status line starts a new response head (a proxy's CONNECT
    /// answer and 1xx answers come first); only the last head is kept.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        receivedBytes += bytes.count
        guard receivedBytes <= limit else { cutAtLimit = true; return false }
        switch CurlHeaderLine.parse(bytes) {
        case .statusLine:
            headers.removeAll(keepingCapacity: true)
        case .header(let name, let value):
            if headers.count < 200 { headers.append((name, value)) }
        case .ignored:
            break
        }
        return true
    }

    var errorDetail: String {
        String(cString: errorBuffer)
    }
}

/// Host and port of a request URL, for error texts ("connection to 127.0.0.1:8480 refused").
struct CurlTarget: Sendable {
    let host: String
    let port: Int
    let isHTTPS: Bool

    init(_ url: URL) throws(HTTPTransportError) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw HTTPTransportError(.invalidRequest, "only http:// and https:// URLs are sent")
        }
        guard let host = url.host, !host.isEmpty else {
            throw HTTPTransportError(.invalidRequest, "the URL has no host")
        }
        self.host = host
        self.isHTTPS = scheme == "https"
        self.port = url.port ?? (isHTTPS ? 443 : 80)
    }

    var hostAndPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
