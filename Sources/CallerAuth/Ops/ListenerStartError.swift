import Foundation
import Sockets

/// A listener could not be opened, named by its configuration key, so the operator knows which
/// line of `ciba-agi.json` to change: "listen 127.0.0.1:4573 (key `listen`): address already in use".
///
/// Wraps the `SocketError` from the bind; the description never has an errno number.
public struct ListenerStartError: Error, Sendable, CustomStringConvertible {
    /// `listen`, `opsListen` or `agentListen`.
    public let key: String
    /// The address that failed (all of the key's addresses when it is not known which).
    public let addresses: [SocketAddress]
    public let underlying: SocketError

    public init(key: String, addresses: [SocketAddress], underlying: SocketError) {
        self.key = key
        self.addresses = addresses
        self.underlying = underlying
    }

    public var description: String {
        "listen \(addresses.map(\.description).joined(separator: ",")) (key `\(key)`): \(Self.explain(underlying))"
    }

    static func explain(_ error: SocketError) -> String {
        switch error.kind {
        case .addressInUse: return "address already in use"
        case .invalidAddress: return "not a usable address (\(error.reason))"
        default:
            if error.errno == EACCES { return "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)" }
            if error.errno == EADDRNOTAVAIL { return "address not available on this host" }
            return error.reason
        }
    }

    /// Runs `body` (a bind) and names `key` in a `SocketError` it throws. `addresses` are the
    /// key's addresses; when there are several, the failing one is found in the error's reason
    /// ("bind ADDRESS: ...", as `TCPListener` writes it).
    @discardableResult
    public static func naming<T>(_ key: String, _ addresses: [SocketAddress], _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SocketError {
            throw ListenerStartError(key: key, addresses: failing(addresses, in: error), underlying: error)
        }
    }

    @discardableResult
    public static func naming<T>(_ key: String, _ addresses: [SocketAddress], _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SocketError {
            throw ListenerStartError(key: key, addresses: failing(addresses, in: error), underlying: error)
        }
    }

    private static func failing(_ addresses: [SocketAddress], in error: SocketError) -> [SocketAddress] {
        if addresses.count <= 1 { return addresses }
        let named = addresses.filter { error.reason.hasPrefix("bind \($0):") }
        return named.isEmpty ? addresses : named
    }
}
