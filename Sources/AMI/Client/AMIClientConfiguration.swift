import Sockets

/// Where and how `AMIClient` reaches Asterisk's manager port (manager.conf `[general]` and
/// one user section).
public struct AMIClientConfiguration: Sendable {
    /// The manager port, e.g. 127.0.0.1:5038 (Asterisk's default port; 5039 is usual for TLS).
    public var address: SocketAddress
    /// The manager.conf section name.
    public var username: String
    /// The user's `secret=`. Never printed: its description is `***`.
    public var secret: AMISecret
    /// TLS settings; nil = plain TCP, which the configuration loader only allows on loopback.
    public var tls: AMITLSSettings?
    /// The event classes asked for at login (`Events:` header): Hangup is `call`, UserEvent `user`.
    public var eventMask: String = "call,user"
    /// Bounds the TCP connect (and the TLS handshake).
    public var connectTimeout: Duration = .seconds(5)
    /// Bounds each action, from sending it to its `Response:`.
    public var actionTimeout: Duration = .seconds(5)
    public var reconnect: AMIReconnectPolicy = AMIReconnectPolicy()

    public init(address: SocketAddress, username: String, secret: AMISecret, tls: AMITLSSettings? = nil) {
        self.address = address
        self.username = username
        self.secret = secret
        self.tls = tls
    }
}

/// The AMI secret, kept out of every description, log line and error text.
public struct AMISecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself; only the Login action reads it.
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var description: String { "***" }
    public var debugDescription: String { "***" }
}

/// TLS for the manager connection (manager.conf `tlsenable=yes`).
public struct AMITLSSettings: Sendable, Equatable {
    /// PEM file of the CA that signed Asterisk's `tlscertfile`; nil = the system trust store.
    public var caFile: String?
    /// The name the certificate must carry; default the host of `address`.
    public var serverName: String?

    public init(caFile: String? = nil, serverName: String? = nil) {
        self.caFile = caFile
        self.serverName = serverName
    }
}

/// Exponential backoff between connection attempts: `initial`, doubled after every failed
/// attempt, at most `maximum`; back to `initial` after a successful login. No jitter: one
/// ciba-agi server talks to one Asterisk, there is no herd to spread.
public struct AMIReconnectPolicy: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The wait before attempt `failures + 1`, after `failures` failed attempts in a row (>= 1).
    public func delay(afterFailures failures: Int) -> Duration {
        var delay = initial
        var n = 1
        while n < failures && delay < maximum {
            delay = delay * 2
            n += 1
        }
        return min(delay, maximum)
    }
}
