import Foundation
import Glibc
import Sockets

/// Looks at the certificate a TLS server presents, WITHOUT trusting it, to explain a failed
/// verification: `check-config` names the issuer of an untrusted certificate (the CA that
/// `provider.caFile` must hold) and the subject of one for another host.
///
/// The handshake runs with verification off, then the connection is closed at once: no
/// application data is ever sent or read, so nothing can be leaked to or accepted from an
/// impostor. Never use the result to decide that a server is trustworthy.
public enum TLSCertificateProbe {
    /// The leaf certificate `host:port` presents, or a thrown `TLSError` / `SocketError`
    /// (unresolvable host, refused connection, not TLS, timeout).
    public static func presentedCertificate(host: String, port: UInt16, timeout: Duration = .seconds(10)) async throws -> TLSCertificate? {
        let address = try resolve(host, port: port)
        let tcp = try await TCPConnection.connect(to: address, timeout: timeout)
        let context = try TLSClientContext(unverifiedProbe: ())
        let tls = try await TLSConnection.connect(tcp, context: context, serverName: host, timeout: timeout)
        defer { tls.close() }
        return tls.peerCertificate
    }

    /// A numeric address for `host` (an IP literal, or the first getaddrinfo answer).
    static func resolve(_ host: String, port: UInt16) throws -> SocketAddress {
        let bare = TLSEngine.unbracketed(host)
        if let ip = IPAddress(parsing: bare) { return SocketAddress(ip: ip, port: port) }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(bare, nil, &hints, &result) == 0, let first = result else {
            throw TLSError(.configuration, "DNS lookup of \(bare) failed")
        }
        defer { freeaddrinfo(result) }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(first.pointee.ai_addr, first.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0,
              let ip = IPAddress(parsing: String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        else {
            throw TLSError(.configuration, "DNS lookup of \(bare) failed")
        }
        return SocketAddress(ip: ip, port: port)
    }
}
