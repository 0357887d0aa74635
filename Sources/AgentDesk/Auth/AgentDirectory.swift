import Foundation
import JOSE
import StructuredLogging

/// The agents file as the running desk sees it: re-read whenever the file changes (size,
/// modification time or inode), so `agent-passwd` and a token revocation take effect on
/// the next request without a restart.
///
/// Fails closed: when the changed file cannot be read or parsed, nobody can log in and no
/// token works until it is fixed (a half-read file could otherwise keep a revoked token).
public actor AgentDirectory {
    private let path: String
    private let logger: Logger
    private var loaded = AgentsFile()
    private var fingerprint: FileFingerprint?
    private var broken = false

    /// A hash checked for unknown names, so a wrong name costs as long as a wrong password.
    private static let decoy: PasswordHash = {
        PasswordHash(iterations: PasswordHash.minimumIterations, salt: Array(repeating: 0x5A, count: PasswordHash.saltLength),
                     hash: Array(repeating: 0, count: PasswordHash.hashLength))
    }()

    /// Reads the file once; throws ``AgentsFileError`` so startup can refuse a bad file.
    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        self.loaded = try AgentsFile.read(path: path)
        self.fingerprint = FileFingerprint(path: path)
    }

    /// The agent's name when `password` is right; nil otherwise (also for an unknown name,
    /// after the same amount of work).
    public func authenticate(name: String, password: String) async -> String? {
        refreshIfChanged()
        let hash = broken ? nil : loaded.agents[name]
        let ok = await PasswordHasher.verify(password, against: hash ?? Self.decoy)
        return ok && hash != nil ? name : nil
    }

    /// The agent a bearer token acts as, and the token's label; nil for an unknown or revoked token.
    public func agent(forToken token: String) -> (agent: String, label: String)? {
        refreshIfChanged()
        guard !broken, token.hasPrefix(APIToken.prefix), token.utf8.count < 200,
              let digest = try? Digest.sha256(Array(token.utf8)) else { return nil }
        var found: APIToken?
        for entry in loaded.tokens where entry.matches(presentedDigest: digest) { found = entry }  // no early exit
        guard let found, loaded.agents[found.agent] != nil else { return nil }
        return (found.agent, found.label)
    }

    /// Whether `name` is (still) an agent: sessions of a removed agent end.
    public func exists(_ name: String) -> Bool {
        refreshIfChanged()
        return !broken && loaded.agents[name] != nil
    }

    private func refreshIfChanged() {
        let now = FileFingerprint(path: path)
        guard now != fingerprint else { return }
        fingerprint = now
        do {
            loaded = try AgentsFile.read(path: path)
            if broken { logger.notice("desk.agents_file_fixed", ["path": path]) }
            broken = false
            logger.info("desk.agents_file_reloaded", ["path": path, "agents": String(loaded.agents.count), "tokens": String(loaded.tokens.count)])
        } catch {
            broken = true
            logger.error("desk.agents_file_invalid", ["path": path, "error": String(describing: error), "effect": "all logins and tokens refused"])
        }
    }
}

/// What identifies one version of a file without reading it.
struct FileFingerprint: Equatable {
    let inode: UInt64
    let size: Int64
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = Int(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
    }
}
