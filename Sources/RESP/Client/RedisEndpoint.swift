import URLEncoding

/// Where the server is and how to log in: parsed from
/// `redis://[user:password@]HOST:PORT/DB` or `rediss://...` (TLS).
///
/// `description` never shows the password (`redis://app:***@10.0.0.5:6379/0`).
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// An IP address, `localhost` or a DNS name.
    public var host: String
    public var port: UInt16
    public var database: Int
    public var username: String?
    public var password: String?
    public var useTLS: Bool

    public init(host: String, port: UInt16 = 6379, database: Int = 0, username: String? = nil,
                password: String? = nil, useTLS: Bool = false) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.useTLS = useTLS
    }

    /// `host:port` (IPv6 in brackets), for messages.
    public var server: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var description: String {
        var text = useTLS ? "rediss://" : "redis://"
        if username != nil || password != nil {
            text += FormURLEncoding.encodeComponent(username ?? "") + (password != nil ? ":***" : "") + "@"
        }
        return text + server + "/\(database)"
    }

    /// Parses the URL. Errors name the part that is wrong, never the password.
    ///
    /// User name and password are percent-decoded (`%40` for `@`). The database is 0...15 by
    /// default Redis settings but any 0...100000 is accepted (servers can be configured with more).
    public static func parse(_ text: String) throws(RedisError) -> RedisEndpoint {
        func invalid(_ why: String) -> RedisError {
            RedisError(.invalidConfiguration, "sharedState.redis: \(why) (expected redis://[user:password@]HOST:PORT/DB or rediss://...)")
        }
        let useTLS: Bool
        var rest: Substring
        if text.hasPrefix("redis://") { useTLS = false; rest = text.dropFirst(8) }
        else if text.hasPrefix("rediss://") { useTLS = true; rest = text.dropFirst(9) }
        else { throw invalid("the scheme must be redis:// or rediss://") }
        guard !rest.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }) else {
            throw invalid("spaces, query strings and fragments are not allowed")
        }
        var endpoint = RedisEndpoint(host: "", useTLS: useTLS)
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = FormURLEncoding.percentDecode(credentials[..<colon], plusIsSpace: false)
                endpoint.username = user.isEmpty ? nil : user
                endpoint.password = FormURLEncoding.percentDecode(credentials[credentials.index(after: colon)...], plusIsSpace: false)
            } else if !credentials.isEmpty {
                // redis://secret@host is how several clients spell a password without a user.
                endpoint.password = FormURLEncoding.percentDecode(credentials, plusIsSpace: false)
            }
        }
        var hostPort = rest
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            let db = rest[rest.index(after: slash)...]
            if !db.isEmpty {
                guard db.count <= 6, db.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(db), number <= 100_000 else {
                    throw invalid("the database after '/' must be a number from 0 to 100000")
                }
                endpoint.database = number
            }
        }
        var hostText = hostPort
        var portText: Substring = "6379"
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw invalid("missing ']' after the IPv6 address") }
            hostText = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            hostText = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        }
        guard !hostText.isEmpty, hostText.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:_".contains($0)) }) else {
            throw invalid("missing or invalid host")
        }
        guard portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = UInt16(portText), port > 0 else {
            throw invalid("the port must be a number from 1 to 65535")
        }
        endpoint.host = String(hostText)
        endpoint.port = port
        return endpoint
    }
}
