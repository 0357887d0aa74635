import Foundation

/// How the client reaches one provider: trust, client certificate, proxy, limits.
///
/// Built from the `provider` block (`caFile`, `caDirectory`, `clientCertificateFile`,
/// `clientKeyFile`, `proxy`, `proxyCredentialsFile`, `tlsMinimumVersion`, `maxConnections`) and handed to
/// ``CurlTransport``. `description` never prints the proxy credentials.
public struct TransportSettings: Sendable, Equatable, CustomStringConvertible {
    /// The oldest TLS version the client accepts.
    public enum TLSVersion: String, Sendable, Equatable, CaseIterable {
        case v1_2 = "1.2"
        case v1_3 = "1.3"
    }

    /// A PEM bundle of CAs to trust instead of the system store (`CURLOPT_CAINFO`).
    public var caFile: String?
    /// A directory of hashed CA certificates (`c_rehash`) to trust (`CURLOPT_CAPATH`).
    public var caDirectory: String?
    /// PEM client certificate (chain) for mutual TLS; needs ``clientKeyFile``.
    public var clientCertificateFile: String?
    /// PEM private key of ``clientCertificateFile`` (unencrypted).
    public var clientKeyFile: String?
    /// `http://` or `https://` proxy; requests are tunnelled with CONNECT. Nil: libcurl honours
    /// `https_proxy` / `HTTPS_PROXY`, `http_proxy` and `no_proxy` / `NO_PROXY` from the environment.
    public var proxy: URL?
    /// `user:password` for the proxy (Basic), from `proxyCredentialsFile`.
    public var proxyCredentials: String?
    public var tlsMinimumVersion: TLSVersion
    /// Responses longer than this are cut off and refused.
    public var maxResponseBytes: Int
    /// Connections at most per provider host (`provider.maxConnections`); further requests
    /// wait in libcurl for a free one (HTTP/1.1, one request at a time per connection) or
    /// share one (HTTP/2 multiplexing over https). The wait counts against the request's
    /// timeout, so with HTTP/1.1 this bounds the polls per second a provider can be sent:
    /// about `maxConnectionsPerHost / round-trip time`.
    public var maxConnectionsPerHost: Int
    /// The default of `provider.maxConnections`: enough HTTP/1.1 connections for thousands of
    /// polls per second at a few milliseconds per round trip, few enough for any provider.
    public static let defaultMaxConnectionsPerHost = 64
    /// The range `provider.maxConnections` accepts (each connection is one file descriptor).
    public static let maxConnectionsPerHostRange = 1...1024

    public init(caFile: String? = nil, caDirectory: String? = nil, clientCertificateFile: String? = nil,
                clientKeyFile: String? = nil, proxy: URL? = nil, proxyCredentials: String? = nil,
                tlsMinimumVersion: TLSVersion = .v1_2, maxResponseBytes: Int = 1_048_576,
                maxConnectionsPerHost: Int = TransportSettings.defaultMaxConnectionsPerHost) {
        self.caFile = caFile
        self.caDirectory = caDirectory
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
        self.proxy = proxy
        self.proxyCredentials = proxyCredentials
        self.tlsMinimumVersion = tlsMinimumVersion
        self.maxResponseBytes = maxResponseBytes
        self.maxConnectionsPerHost = maxConnectionsPerHost
    }

    /// Whether a client certificate is presented.
    public var presentsClientCertificate: Bool { clientCertificateFile != nil }

    public var description: String {
        var parts = ["tls>=\(tlsMinimumVersion.rawValue)", "maxConnections=\(maxConnectionsPerHost)"]
        if let caFile { parts.append("caFile=\(caFile)") }
        if let caDirectory { parts.append("caDirectory=\(caDirectory)") }
        if let clientCertificateFile { parts.append("clientCertificate=\(clientCertificateFile)") }
        if let proxy { parts.append("proxy=\(proxy.scheme ?? "?")://\(proxy.host ?? "?")\(proxy.port.map { ":\($0)" } ?? "")") }
        if proxyCredentials != nil { parts.append("proxyCredentials=set") }
        return parts.joined(separator: " ")
    }
}
