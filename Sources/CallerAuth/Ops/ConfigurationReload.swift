import Foundation
import StructuredLogging

/// What a reload (`SIGHUP`) did.
public struct ConfigurationReloadReport: Sendable, Equatable {
    /// True when the file was valid and its reloadable part is now in use.
    public var applied: Bool
    /// The keys now taken from the new file (when applied).
    public var reloaded: [String]
    /// Keys whose value changed in the file but that only a restart applies (they keep their old value).
    public var needRestart: [String]
    /// Why the file was refused (one line per problem); the old configuration stays in use.
    public var problems: [String]
}

extension CallerAuthServer {
    /// Keys a reload applies to new calls. Everything else needs a restart: the listeners
    /// (`listen`, `allowedClients`, `opsListen`, `agentListen` and the desk), the provider
    /// (issuer, client id, credentials, TLS, proxy: the CIBA client and its connections are
    /// built once), `auditLog`, `maxSessions`, `drainTimeoutSeconds`, `verificationRetentionMinutes`,
    /// `logCallerId`, `ami` and `sharedState`.
    public static let reloadableKeys = ["profiles", "defaultProfile", "rateLimits", "logLevel", "maxAttempts",
                                        "digitTimeoutSeconds", "musicOnHoldClass"]

    /// Reads `path` again and applies its reloadable part. A file that fails validation changes
    /// nothing: the old configuration stays and every problem is logged (`server.reload_failed`).
    @discardableResult
    public func reload(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) async
        -> ConfigurationReloadReport {
        let loaded: Configuration
        do {
            loaded = try ConfigurationLoader.load(path: path, environment: environment)
        } catch {
            let problems = (error as? ConfigurationError)?.problems.map(\.description) ?? ["\(error)"]
            logger.error("server.reload_failed", ["config": path, "problems": problems.joined(separator: "; "),
                                                  "kept": "previous configuration"])
            return ConfigurationReloadReport(applied: false, reloaded: [], needRestart: [], problems: problems)
        }
        return await reload(loaded)
    }

    /// Applies the reloadable part of an already validated configuration (see ``reloadableKeys``).
    @discardableResult
    public func reload(_ loaded: Configuration) async -> ConfigurationReloadReport {
        let old = service.configuration
        var next = old
        next.profiles = loaded.profiles
        next.defaultProfile = loaded.defaultProfile
        next.maxAttempts = loaded.maxAttempts
        next.digitTimeoutSeconds = loaded.digitTimeoutSeconds
        next.musicOnHoldClass = loaded.musicOnHoldClass
        var reloaded = ["profiles", "defaultProfile", "maxAttempts", "digitTimeoutSeconds", "musicOnHoldClass"]
        var needRestart = Self.restartOnlyChanges(from: old, to: loaded)
        if loaded.rateLimits != old.rateLimits {
            if await service.rateLimits.updateLimits(loaded.rateLimits) {
                next.rateLimits = loaded.rateLimits
                reloaded.append("rateLimits")
            } else {
                needRestart.append("rateLimits")
            }
        } else {
            reloaded.append("rateLimits")
        }
        if let logLevelSwitch {
            logLevelSwitch.level = loaded.logLevel
            next.logLevel = loaded.logLevel
            reloaded.append("logLevel")
        } else if loaded.logLevel != old.logLevel {
            needRestart.append("logLevel")
        }
        service.replaceConfiguration(next)
        logger.notice("server.reloaded", ["reloaded": reloaded.joined(separator: ","),
                                          "need_restart": needRestart.isEmpty ? "none" : needRestart.joined(separator: ","),
                                          "profiles": next.profiles.keys.sorted().joined(separator: ","),
                                          "log_level": next.logLevel.description])
        if !needRestart.isEmpty {
            logger.warning("server.reload_needs_restart", ["keys": needRestart.joined(separator: ","),
                                                           "hint": "these changes apply only after a restart"])
        }
        return ConfigurationReloadReport(applied: true, reloaded: reloaded, needRestart: needRestart, problems: [])
    }

    /// The keys a reload cannot apply whose value differs between the two files.
    static func restartOnlyChanges(from old: Configuration, to new: Configuration) -> [String] {
        var changed: [String] = []
        if old.listen != new.listen { changed.append("listen") }
        if old.allowedClientsText != new.allowedClientsText { changed.append("allowedClients") }
        if old.opsListen != new.opsListen { changed.append("opsListen") }
        if old.auditLog != new.auditLog { changed.append("auditLog") }
        if Self.providerSummary(old.provider) != Self.providerSummary(new.provider) { changed.append("provider") }
        if old.maxSessions != new.maxSessions { changed.append("maxSessions") }
        if old.drainTimeoutSeconds != new.drainTimeoutSeconds { changed.append("drainTimeoutSeconds") }
        if old.verificationRetentionMinutes != new.verificationRetentionMinutes { changed.append("verificationRetentionMinutes") }
        if old.logCallerID != new.logCallerID { changed.append("logCallerId") }
        if old.agentDesk != new.agentDesk { changed.append("agentDesk") }
        if old.ami.map({ "\($0.username)@\($0.address)" }) != new.ami.map({ "\($0.username)@\($0.address)" }) { changed.append("ami") }
        return changed
    }

    /// What identifies the provider setup, without secrets (a changed secret or key file is not
    /// detected: it needs a restart too, as README says).
    private static func providerSummary(_ provider: ProviderConfiguration) -> [String] {
        [provider.issuer.absoluteString, provider.clientID, provider.authenticationName, provider.transport.description,
         String(provider.allowInsecureHTTP), String(provider.requestTimeoutSeconds),
         provider.backchannelEndpoint?.absoluteString ?? "", provider.tokenEndpoint?.absoluteString ?? "",
         provider.jwksURI?.absoluteString ?? ""]
    }
}
