import Foundation
import Sockets
import StructuredLogging
import CIBA
import JOSE
import IdentityNumbers

/// Reads and validates `ciba-agi.json` (CONTRACT §4).
///
/// Precedence for the values that may come from elsewhere: the environment
/// (`CIBA_AGI_CLIENT_SECRET`, `CIBA_AGI_CLIENT_ID`, `CIBA_AGI_ISSUER`, `CIBA_AGI_LISTEN`)
/// wins over a secret file (`clientSecretFile`), which wins over a value in the JSON.
/// Relative file paths are resolved against the configuration file's directory.
///
/// Validation never stops at the first problem: every problem found is returned, one
/// line each, located by its JSON path. No message ever contains a secret or key.
public enum ConfigurationLoader {
    /// Where `serve` and `check-config` look without `--config`: `./ciba-agi.json`, else
    /// `/etc/ciba-agi/ciba-agi.json`.
    public static func defaultPath(fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String {
        let local = FileManager.default.currentDirectoryPath + "/ciba-agi.json"
        return fileExists(local) ? "ciba-agi.json" : "/etc/ciba-agi/ciba-agi.json"
    }

    /// Loads the file at `path`.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Configuration {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file (permissions?)" : "no such file"
            throw ConfigurationError(.unreadable, problems: [ConfigurationProblem(path: "", "\(path): \(reason)")])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try load(data: data, baseDirectory: base, environment: environment)
    }

    /// Loads configuration JSON; `baseDirectory` resolves relative file paths.
    public static func load(data: Data, baseDirectory: String, environment: [String: String]) throws -> Configuration {
        let root = try ConfigValue.parse(data)
        var reader = ConfigReader()
        let result = build(root, baseDirectory: baseDirectory, environment: environment, reader: &reader)
        guard reader.problems.isEmpty, let configuration = result else {
            throw ConfigurationError(.invalid, problems: reader.problems)
        }
        return configuration
    }

    static let topLevelKeys = ["listen", "allowedClients", "opsListen", "auditLog", "provider", "defaultProfile", "profiles",
                               "musicOnHoldClass", "maxAttempts", "drainTimeoutSeconds", "rateLimits", "logLevel",
                               "maxSessions", "digitTimeoutSeconds", "ami", "$comment"] + VerificationSettingsLoader.keys + AgentDeskLoader.keys
                               + SharedStateLoader.topLevelKeys

    private static func build(_ root: ConfigValue, baseDirectory: String, environment: [String: String], reader: inout ConfigReader) -> Configuration? {
        guard let top = reader.object(root, path: "", allowed: topLevelKeys) else { return nil }

        // listen (env CIBA_AGI_LISTEN wins; comma-separated for several addresses)
        var listenTexts: [String] = ["127.0.0.1:4573"]
        var listenPath = "listen"
        if let env = environment["CIBA_AGI_LISTEN"], !env.isEmpty {
            listenTexts = env.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            listenPath = "CIBA_AGI_LISTEN"
        } else if let value = top["listen"] {
            switch value {
            case .string(let s): listenTexts = [s]
            case .array: listenTexts = reader.stringArray(top, "listen", path: "") ?? []
            default: reader.problem("listen", "expected an address such as \"127.0.0.1:4573\", found \(value.typeName)")
            }
        }
        var listen: [SocketAddress] = []
        for text in listenTexts {
            do { listen.append(try SocketAddress.parse(text)) } catch {
                reader.problem(listenPath, "\"\(text)\" is not a listen address (expected HOST:PORT, e.g. 127.0.0.1:4573 or [::1]:4573)")
            }
        }
        if listenTexts.isEmpty { reader.problem(listenPath, "at least one listen address is needed") }

        // allowedClients
        let allowedTexts = reader.stringArray(top, "allowedClients", path: "") ?? ["127.0.0.1/32", "::1/128"]
        var blocks: [CIDRBlock] = []
        for (i, text) in allowedTexts.enumerated() {
            do { blocks.append(try CIDRBlock(parsing: text)) } catch {
                reader.problem("allowedClients[\(i)]", "\"\(text)\" is not a CIDR block (e.g. 192.0.2.10/32, 10.0.0.0/8, ::1/128)")
            }
        }
        if top["allowedClients"] != nil && allowedTexts.isEmpty {
            reader.problem("allowedClients", "empty: no Asterisk could connect")
        }

        // opsListen (null disables)
        var opsListen: SocketAddress? = nil
        if top["opsListen"] == nil {
            opsListen = try? SocketAddress.parse("127.0.0.1:9464")
        } else if let text = reader.string(top, "opsListen", path: "") {
            do { opsListen = try SocketAddress.parse(text) } catch {
                reader.problem("opsListen", "\"\(text)\" is not a listen address (expected HOST:PORT, e.g. 127.0.0.1:9464)")
            }
        }

        // auditLog (null disables)
        var auditLog: String? = nil
        if top["auditLog"] == nil {
            auditLog = "/var/log/ciba-agi/audit.jsonl"
        } else if let text = reader.string(top, "auditLog", path: "") {
            auditLog = resolve(text, baseDirectory)
        }
        if let auditLog {
            let directory = URL(fileURLWithPath: auditLog).deletingLastPathComponent().path
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
                reader.problem("auditLog", "directory \(directory) does not exist")
            } else if access(directory, W_OK) != 0 && access(auditLog, W_OK) != 0 {
                reader.problem("auditLog", "\(auditLog) is not writable by this user")
            }
        }

        let provider = ProviderLoader.build(top["provider"], baseDirectory: baseDirectory, environment: environment, reader: &reader)

        // profiles
        var profiles: [String: Profile] = [:]
        if let value = top["profiles"] {
            if case .object(let entries) = value {
                for name in entries.keys.sorted() {
                    guard let entry = entries[name] else { continue }
                    if let profile = ProfileLoader.build(name: name, entry, baseDirectory: baseDirectory, reader: &reader) {
                        profiles[name] = profile
                    }
                }
                if entries.isEmpty { reader.problem("profiles", "no profiles: define at least one") }
            } else {
                reader.problem("profiles", "expected an object of profiles, found \(value.typeName)")
            }
        } else {
            reader.problem("profiles", "missing: define at least one profile")
        }

        var defaultProfile = reader.string(top, "defaultProfile", path: "") ?? ""
        if defaultProfile.isEmpty {
            if case .object(let entries)? = top["profiles"], entries.count == 1, let only = entries.keys.first {
                defaultProfile = only
            } else if top["profiles"] != nil {
                reader.problem("defaultProfile", "missing: name the profile used when the dialplan gives none")
            }
        } else if case .object(let entries)? = top["profiles"], entries[defaultProfile] == nil {
            reader.problem("defaultProfile", "\"\(defaultProfile)\" is not one of the profiles (\(entries.keys.sorted().joined(separator: ", ")))")
        }

        let musicOnHoldClass = reader.string(top, "musicOnHoldClass", path: "") ?? "default"
        if musicOnHoldClass.isEmpty || musicOnHoldClass.contains(where: { $0.isWhitespace || $0 == "\"" }) {
            reader.problem("musicOnHoldClass", "must be a music-on-hold class name without spaces or quotes")
        }
        let maxAttempts = reader.integer(top, "maxAttempts", path: "", range: 1...10) ?? 3
        let drain = reader.integer(top, "drainTimeoutSeconds", path: "", range: 0...3600) ?? 30
        let maxSessions = reader.integer(top, "maxSessions", path: "", range: 1...1_000_000) ?? 20_000
        let digitTimeout = reader.integer(top, "digitTimeoutSeconds", path: "", range: 2...60) ?? 8

        var rateLimits = RateLimitSettings()
        if let limits = reader.object(top["rateLimits"], path: "rateLimits", allowed: ["perCallerPer10Min", "perNumberPer10Min"]) {
            rateLimits.perCallerPer10Min = reader.integer(limits, "perCallerPer10Min", path: "rateLimits", range: 1...100_000) ?? 5
            rateLimits.perNumberPer10Min = reader.integer(limits, "perNumberPer10Min", path: "rateLimits", range: 1...100_000) ?? 3
        }

        var logLevel = LogLevel.info
        if let text = reader.string(top, "logLevel", path: "") {
            if let level = LogLevel(name: text) { logLevel = level } else {
                reader.problem("logLevel", "\"\(text)\" is not a level (trace, debug, info, notice, warning, error)")
            }
        }

        let verification = VerificationSettingsLoader.build(top, reader: &reader)
        let agentDesk = AgentDeskLoader.build(top, baseDirectory: baseDirectory, reader: &reader)
        let ami = AMILoader.build(top, baseDirectory: baseDirectory, environment: environment, reader: &reader)
        let sharedState = SharedStateLoader.build(top, baseDirectory: baseDirectory, reader: &reader)

        guard reader.problems.isEmpty, let provider else { return nil }
        var configuration = Configuration(
            listen: listen, allowedClients: AllowList(blocks), allowedClientsText: allowedTexts, opsListen: opsListen,
            auditLog: auditLog, provider: provider, defaultProfile: defaultProfile, profiles: profiles,
            musicOnHoldClass: musicOnHoldClass, maxAttempts: maxAttempts, drainTimeoutSeconds: drain,
            rateLimits: rateLimits, logLevel: logLevel, maxSessions: maxSessions, digitTimeoutSeconds: digitTimeout,
            verificationRetentionMinutes: verification.retentionMinutes, logCallerID: verification.logCallerID)
        configuration.agentDesk = agentDesk
        configuration.ami = ami
        configuration.sharedState = sharedState
        return configuration
    }

    /// `path` made absolute against the configuration file's directory.
    static func resolve(_ path: String, _ baseDirectory: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardizedFileURL.path
    }

    /// True for `localhost`, `127.x.x.x`, `::1`: plain HTTP to these never leaves the machine.
    static func isLoopbackHost(_ host: String) -> Bool {
        let h = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if h == "localhost" || h == "::1" { return true }
        let parts = h.split(separator: ".")
        return parts.count == 4 && parts.first == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
