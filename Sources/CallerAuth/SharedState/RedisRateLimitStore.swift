import Foundation
import COpenSSL
import RESP

/// The authentication rate limits (CONTRACT §4 `rateLimits`) in the shared store, so N
/// servers together let through what one would: a sliding window per caller id and per
/// number, checked and counted in one atomic Lua script on the server.
///
/// Keys are `keyPrefix + "rl:caller:" + HMAC(caller id)` and `keyPrefix + "rl:number:" +
/// HMAC(number)`: sorted sets of request times (ms), each with an expiry of one window, so
/// the store holds neither a number nor a caller id in clear and forgets idle keys by itself.
///
/// Times are this server's wall clock (`now`): servers that share state must keep their
/// clocks in sync (NTP); a skew of s seconds moves the window's edge by s for that server.
///
/// When the store does not answer within `timeoutMilliseconds` (or is known to be away),
/// `failureMode` decides: `local` counts in this server's own window (which also sees every
/// request this server admitted while the store was up), `closed` refuses.
public final class RedisRateLimitStore: RateLimitStore, Sendable {
    public let perCaller: Int
    public let perNumber: Int
    public let window: Duration
    private let client: RedisClient
    private let keyPrefix: String
    private let hasher: KeyNameHasher
    private let health: SharedStateHealth
    private let local: AuthenticationRateLimits
    private let now: @Sendable () -> Date

    /// Checks both keys, counts in both only when neither is full; returns the indexes (1, 2) that were full.
    static let script = """
        local now = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local over = {}
        for i = 1, 2 do
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
          if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[2 + i]) then over[#over + 1] = i end
        end
        if #over > 0 then return over end
        for i = 1, 2 do
          redis.call('ZADD', KEYS[i], now, ARGV[5])
          redis.call('PEXPIRE', KEYS[i], window)
        end
        return over
        """
    static let scriptSHA1 = sha1Hex(script)

    /// - Parameters:
    ///   - local: this server's own window, used while the store is away (`local` mode); it
    ///     must have the same limits and window.
    ///   - now: the wall clock whose milliseconds are the window's time line.
    public init(client: RedisClient, keyPrefix: String, hasher: KeyNameHasher, perCaller: Int, perNumber: Int,
                window: Duration = .seconds(600), health: SharedStateHealth, local: AuthenticationRateLimits,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.keyPrefix = keyPrefix
        self.hasher = hasher
        self.perCaller = perCaller
        self.perNumber = perNumber
        self.window = window
        self.health = health
        self.local = local
        self.now = now
    }

    /// The two key names for a request (the privacy test compares them with the store's dump).
    public func keys(callerID: String, number: String) -> (caller: String, number: String) {
        (keyPrefix + "rl:caller:" + hasher.hash(AuthenticationRateLimits.callerKey(callerID), kind: "caller"),
         keyPrefix + "rl:number:" + hasher.hash(number, kind: "number"))
    }

    public func admit(callerID: String, number: String) async -> RateLimitDecision {
        let (callerKey, numberKey) = keys(callerID: callerID, number: number)
        let nowMs = Int64((now().timeIntervalSince1970 * 1000).rounded(.down))
        let arguments = [String(nowMs), String(window.components.seconds * 1000 + window.components.attoseconds / 1_000_000_000_000_000), String(perCaller), String(perNumber),
                         "\(nowMs)-\(UUID().uuidString.prefix(13))"]
        do {
            let reply = try await run(keys: [callerKey, numberKey], arguments: arguments)
            health.succeeded()
            guard let over = reply.elements else {
                throw RedisError(.protocolViolation, "\(client.configuration.endpoint.server) answered the rate-limit script with a \(reply.typeName)")
            }
            let which = over.compactMap { value -> String? in
                guard case .integer(let index) = value else { return nil }
                return index == 1 ? "caller" : index == 2 ? "number" : nil
            }
            if which.isEmpty {
                // Mirrored locally, so a fallback window starts from what this server let through.
                _ = local.admit(callerID: callerID, number: number)
                return .admitted
            }
            return .refused(which: which)
        } catch {
            health.failed(error, operation: "rate limit")
            health.fellBack()
            switch health.failureMode {
            case .local: return local.admit(callerID: callerID, number: number)
            case .closed: return .refused(which: [RateLimitDecision.sharedStateUnavailable])
            }
        }
    }

    /// EVALSHA, and EVAL once the server says it does not have the script (after a restart).
    private func run(keys: [String], arguments: [String]) async throws -> RESPValue {
        let tail = [String(keys.count)] + keys + arguments
        let replies = try await client.pipeline([RedisCommand("EVALSHA", [Self.scriptSHA1] + tail)])
        if case .error(let text) = replies[0], text.hasPrefix("NOSCRIPT") {
            return try await client.execute(RedisCommand("EVAL", [Self.script] + tail))
        }
        if case .error(let text) = replies[0] {
            throw RedisError(.serverError, "\(client.configuration.endpoint.server) answered the rate-limit script with: \(text.prefix(200))")
        }
        return replies[0]
    }

    static func sha1Hex(_ text: String) -> String {
        var out = [UInt8](repeating: 0, count: 20)
        var length = 0
        let bytes = Array(text.utf8)
        let ok = bytes.withUnsafeBufferPointer { EVP_Q_digest(nil, "SHA1", nil, $0.baseAddress, $0.count, &out, &length) }
        precondition(ok == 1 && length == 20, "OpenSSL SHA-1 is unavailable")
        return KeyNameHasher.hex(out)
    }
}
