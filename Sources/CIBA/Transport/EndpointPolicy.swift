import Foundation

/// Decides which provider URLs the client may talk to.
///
/// Only `https` is accepted, except plain `http` to a loopback host (127.0.0.0/8, `::1`,
/// `localhost`: the built-in simulator and local test providers) or when the operator set
/// `allowInsecureHTTP`. The rule applies to the issuer and to every endpoint a discovery
/// document names, so a tampered or careless discovery document cannot downgrade the token
/// endpoint to clear text.
public struct EndpointPolicy: Sendable {
    public var allowInsecureHTTP: Bool

    public init(allowInsecureHTTP: Bool = false) {
        self.allowInsecureHTTP = allowInsecureHTTP
    }

    /// Throws a `configuration` failure naming `role` (never the query string) when `url` is refused.
    public func check(_ url: URL, role: String) throws(CIBAFailure) {
        guard let scheme = url.scheme?.lowercased() else {
            throw CIBAFailure(.configuration, "\(role) URL has no scheme")
        }
        guard let host = url.host, !host.isEmpty else {
            throw CIBAFailure(.configuration, "\(role) URL has no host")
        }
        switch scheme {
        case "https":
            return
        case "http":
            if allowInsecureHTTP || EndpointPolicy.isLoopbackHost(host) { return }
            throw CIBAFailure(.configuration,
                "\(role) uses plain http to a non-loopback host (\(host)); use https or set allowInsecureHTTP")
        default:
            throw CIBAFailure(.configuration, "\(role) URL scheme '\(scheme)' is not http(s)")
        }
    }

    /// True for `localhost`, any 127.0.0.0/8 address, `::1` (bracketed or not), and `::ffff:127.x.y.z`.
    public static func isLoopbackHost(_ rawHost: String) -> Bool {
        var host = rawHost.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "localhost." { return true }
        if host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        if host.hasPrefix("::ffff:") { host = String(host.dropFirst(7)) }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        var octets: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(part), value <= 255 else { return false }
            octets.append(value)
        }
        return octets[0] == 127
    }
}
