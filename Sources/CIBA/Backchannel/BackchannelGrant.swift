import JOSE

/// The provider's answer to bc-authorize: the handle to poll with.
///
/// The `auth_req_id` is a bearer secret for the duration of the request: it stays inside and
/// `description` does not print it.
public struct BackchannelGrant: Sendable, CustomStringConvertible {
    let authReqID: String
    /// Seconds until the request expires (the polling deadline).
    public let expiresIn: Int
    /// Minimum seconds between polls as the provider sent it; `nil` = the default 5 s.
    public let interval: Int?
    /// Idura's `bindingMessage` extension: the word pair the caller must pick (Norwegian BankID).
    public let bindingMessage: String?
    /// When the grant was received, on the authenticator's clock (start of the expiry window).
    let receivedAt: Duration

    /// The authenticator makes grants from bc-authorize answers; this initialiser is public for
    /// test doubles of the CIBA client. `receivedAt` is on the polling clock (the expiry window's start).
    public init(authReqID: String, expiresIn: Int, interval: Int?, bindingMessage: String?, receivedAt: Duration) {
        self.authReqID = authReqID
        self.expiresIn = expiresIn
        self.interval = interval
        self.bindingMessage = bindingMessage
        self.receivedAt = receivedAt
    }

    /// The interval actually used for the first poll.
    public var effectiveInterval: Duration { .seconds(interval ?? 5) }

    public var description: String {
        "BackchannelGrant(expiresIn: \(expiresIn), interval: \(interval.map(String.init) ?? "default"), bindingMessage: \(bindingMessage == nil ? "none" : "present"))"
    }
}

/// Progress while polling, for the IVR (log it, speak it, count it).
public enum PollEvent: Sendable, Equatable {
    /// `authorization_pending`, with the provider's sanitised `error_description`.
    case pending(description: String?, poll: Int)
    /// `slow_down`: the interval for this and all later polls.
    case slowDown(newInterval: Duration, poll: Int)
    /// A transient failure (5xx, network, timeout) that will be retried after `retryIn`.
    case retrying(reason: String, poll: Int, retryIn: Duration)
}

/// The verified ID token's claims.
public struct VerifiedIdentity: Sendable {
    public var claims: [String: JSONValue]
    /// Token requests it took.
    public var polls: Int

    public init(claims: [String: JSONValue], polls: Int) {
        self.claims = claims
        self.polls = polls
    }

    /// A claim as text: strings as is, integral numbers without a fraction, booleans `true`/`false`.
    public func string(_ claim: String) -> String? {
        claims[claim].flatMap(JSONText.text)
    }
}

/// Result of ``BackchannelAuthenticator/checkCredentials()``.
public enum CredentialCheck: Sendable, Equatable {
    /// The token endpoint authenticated us (it complained about the made-up `auth_req_id` instead).
    case accepted
    /// The provider rejected our client credentials (`invalid_client`, `unauthorized_client`).
    case rejected(reason: String)
    /// Something else happened; the reason says what.
    case unknown(reason: String)
}

/// One provider request, for metrics: endpoint `discovery|jwks|bc-authorize|token`, status
/// `200|400|...|timeout|error|cancelled`, and how long it took.
public struct ProviderRequestMetric: Sendable {
    public var endpoint: String
    public var status: String
    public var duration: Duration

    public init(endpoint: String, status: String, duration: Duration) {
        self.endpoint = endpoint
        self.status = status
        self.duration = duration
    }
}
