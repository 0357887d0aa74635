import Foundation

/// One HTTP request as the CIBA client hands it to a transport.
///
/// Bodies are bytes (already form-encoded); headers keep their order. `timeout` bounds the
/// whole exchange (connect, send, wait, receive): a transport must give up and throw
/// ``HTTPTransportError/timedOut`` when it passes.
public struct HTTPTransportRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var timeout: Duration

    public init(method: String, url: URL, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Duration) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first(where: { $0.0.caseInsensitiveCompare(name) == .orderedSame })?.1
    }
}

/// One HTTP response: status, headers in order, the body bytes.
public struct HTTPTransportResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first(where: { $0.0.caseInsensitiveCompare(name) == .orderedSame })?.1
    }
}

/// A request and the response it got, for transcripts (`ciba-agi demo`) and test fakes.
public struct HTTPExchange: Sendable {
    public var request: HTTPTransportRequest
    public var response: HTTPTransportResponse

    public init(request: HTTPTransportRequest, response: HTTPTransportResponse) {
        self.request = request
        self.response = response
    }
}

/// Moves requests to the provider and back.
///
/// ``CurlTransport`` is the real one; tests use a scripted fake. Implementations must
/// honour `request.timeout`, stop at once when the calling task is cancelled (throwing
/// `CancellationError`), and never follow redirects on their own.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse
}

/// Why a transport could not deliver a response.
///
/// Descriptions never contain request bodies or headers (they carry secrets and assertions).
public struct HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }
        /// No complete answer within the request's timeout.
        public static let timedOut = Kind(name: "timed_out")
        /// Connection refused, DNS failure, connection lost.
        public static let unreachable = Kind(name: "unreachable")
        /// TLS failed: certificate not trusted, wrong host name, expired, client certificate refused.
        public static let tls = Kind(name: "tls")
        /// The proxy could not be reached or refused the tunnel.
        public static let proxy = Kind(name: "proxy")
        /// The response body grew beyond the transport's size limit.
        public static let responseTooLarge = Kind(name: "response_too_large")
        /// The transport refused the request itself (bad URL, unsupported configuration).
        public static let invalidRequest = Kind(name: "invalid_request")
    }

    public let kind: Kind
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(kind): \(reason)" }
}
