import Foundation
import RESP

/// What a server does while the shared store is unreachable (`sharedStateFailure`).
public enum SharedStateFailureMode: String, Sendable, Equatable {
    /// Rate limits fall back to this server's own window; verifications go on (the default).
    case local
    /// New verifications are refused (`CIBA_ERROR=rate_limited`) until the store is back.
    case closed
}

/// The `sharedState` block: one Redis/Valkey that several servers use for rate limits and
/// verification records (`hagi://` spreads the calls of one caller over all of them).
///
/// `description` and `warnings` never show the password or the key secret.
public struct SharedStateSettings: Sendable, Equatable {
    /// Host, port, database, user and password (the password from `passwordFile` when set).
    public var endpoint: RedisEndpoint
    /// Prefix of every key and channel (`ciba-agi:`); servers that share state share it.
    public var keyPrefix: String
    /// Every command's answer within this (`timeoutMilliseconds`, default 200).
    public var timeout: Duration
    /// The HMAC key that turns personal numbers and caller ids into key names.
    public var keySecret: [UInt8]
    /// Where `keySecret` came from: `keySecretFile` or `password` (derived from the password).
    public var keySecretSource: String
    /// CA certificates (PEM) that `rediss://` trusts; nil: the system's trust store.
    public var caFile: String?
    public var failureMode: SharedStateFailureMode
    /// Things an operator should fix that do not stop the server (logged at start, printed by check-config).
    public var warnings: [String]

    public init(endpoint: RedisEndpoint, keyPrefix: String = "ciba-agi:", timeout: Duration = .milliseconds(200),
                keySecret: [UInt8], keySecretSource: String = "keySecretFile", caFile: String? = nil,
                failureMode: SharedStateFailureMode = .local, warnings: [String] = []) {
        self.endpoint = endpoint
        self.keyPrefix = keyPrefix
        self.timeout = timeout
        self.keySecret = keySecret
        self.keySecretSource = keySecretSource
        self.caFile = caFile
        self.failureMode = failureMode
        self.warnings = warnings
    }
}

/// Reads `sharedState` (`redis`, `passwordFile`, `keySecretFile`, `caFile`, `keyPrefix`,
/// `timeoutMilliseconds`) and the top-level `sharedStateFailure`. Absent block: nil, every
/// server keeps its own state in memory (the embedded default needs nothing).
enum SharedStateLoader {
    static let topLevelKeys = ["sharedState", "sharedStateFailure"]
    static let blockKeys = ["redis", "passwordFile", "keySecretFile", "caFile", "keyPrefix", "timeoutMilliseconds"]
    /// Mixed into the password when no `keySecretFile` is given, so the key secret is not the password itself.
    static let passwordDerivationLabel = "ciba-agi shared-state key names v1"

    static func build(_ top: [String: ConfigValue], baseDirectory: String, reader: inout ConfigReader) -> SharedStateSettings? {
        var failureMode = SharedStateFailureMode.local
        var modeIsValid = true
        if let text = reader.string(top, "sharedStateFailure", path: "") {
            if let mode = SharedStateFailureMode(rawValue: text) { failureMode = mode } else {
                modeIsValid = false
                reader.problem("sharedStateFailure", "\"\(text)\" is not a mode (\"local\": each server's own rate limits while the store is away, \"closed\": refuse new verifications)")
            }
        }
        guard let block = reader.object(top["sharedState"], path: "sharedState", allowed: blockKeys) else {
            if modeIsValid && top["sharedStateFailure"] != nil && top["sharedStateFailure"] != .null {
                reader.problem("sharedStateFailure", "set, but sharedState is not: there is no shared store to fail (add sharedState or remove sharedStateFailure)")
            }
            return nil
        }
        guard let url = reader.string(block, "redis", path: "sharedState") else {
            reader.problem("sharedState.redis", "missing: the store's URL (redis://[user@]HOST:PORT/DB or rediss://... for TLS)")
            return nil
        }
        var endpoint: RedisEndpoint
        do {
            endpoint = try RedisEndpoint.parse(url)
        } catch {
            reader.problem("sharedState.redis", Self.withoutPrefix(error.reason))
            return nil
        }
        var warnings: [String] = []
        if let file = reader.string(block, "passwordFile", path: "sharedState").map({ ConfigurationLoader.resolve($0, baseDirectory) }) {
            if !(endpoint.password ?? "").isEmpty {
                reader.problem("sharedState.passwordFile", "set, and the redis URL has a password too: keep only passwordFile")
            }
            endpoint.password = secretFile(file, key: "passwordFile", reader: &reader)
        } else if !(endpoint.password ?? "").isEmpty {
            warnings.append("sharedState.redis: the URL contains the password; move it to sharedState.passwordFile (mode 0600) so it is not in the configuration file")
        }
        if endpoint.useTLS == false && !ConfigurationLoader.isLoopbackHost(endpoint.host) {
            warnings.append("sharedState.redis: \(endpoint.server) is not loopback and the URL is redis:// (no TLS): the password and the records cross the network in clear (use rediss://)")
        }
        let caFile = ProviderTransportLoader.pemFile(block, "caFile", containing: "CERTIFICATE", what: "a PEM CA certificate",
                                                     baseDirectory, &reader, section: "sharedState")
        if caFile != nil && !endpoint.useTLS {
            reader.problem("sharedState.caFile", "set, but the redis URL is redis:// (no TLS): use rediss:// or remove caFile")
        }
        let prefix = reader.string(block, "keyPrefix", path: "sharedState") ?? "ciba-agi:"
        if prefix.isEmpty || prefix.count > 64 || !prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_:.".contains($0)) }) {
            reader.problem("sharedState.keyPrefix", "must be 1 to 64 letters, digits or - _ : . (e.g. \"ciba-agi:\")")
        }
        let timeoutMs = reader.integer(block, "timeoutMilliseconds", path: "sharedState", range: 10...10_000) ?? 200

        var secret: [UInt8] = []
        var source = "keySecretFile"
        if let file = reader.string(block, "keySecretFile", path: "sharedState").map({ ConfigurationLoader.resolve($0, baseDirectory) }) {
            if let text = secretFile(file, key: "keySecretFile", reader: &reader) {
                if text.utf8.count < 16 {
                    reader.problem("sharedState.keySecretFile", "\(file) holds fewer than 16 bytes: use a long random secret (e.g. openssl rand -hex 32), the same on every server")
                }
                secret = Array(text.utf8)
            }
        } else if let password = endpoint.password, !password.isEmpty {
            source = "password"
            secret = KeyNameHasher.derive(from: password, label: passwordDerivationLabel)
        } else {
            reader.problem("sharedState.keySecretFile", "missing: with no password either, key names could be reversed to personal numbers; set keySecretFile (the same random secret on every server) or a password")
        }
        return SharedStateSettings(endpoint: endpoint, keyPrefix: prefix, timeout: .milliseconds(timeoutMs), keySecret: secret,
                                   keySecretSource: source, caFile: caFile, failureMode: failureMode, warnings: warnings)
    }

    /// A one-line secret from a file (trimmed); nil and a problem when unreadable or empty.
    private static func secretFile(_ file: String, key: String, reader: inout ConfigReader) -> String? {
        guard let data = FileManager.default.contents(atPath: file) else {
            let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read (permissions?)" : "does not exist"
            reader.problem("sharedState.\(key)", "\(file) \(reason)")
            return nil
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            reader.problem("sharedState.\(key)", "\(file) is empty")
            return nil
        }
        return text
    }

    /// `RedisEndpoint.parse` says `sharedState.redis: ...`; the problem carries the path already.
    private static func withoutPrefix(_ reason: String) -> String {
        let prefix = "sharedState.redis: "
        return reason.hasPrefix(prefix) ? String(reason.dropFirst(prefix.count)) : reason
    }
}
