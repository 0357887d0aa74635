import Foundation

/// The agents file (`agentsFile`): who may log in to the agent desk, and the API tokens.
///
/// One entry per line, `#` starts a comment line:
/// ```
/// agent alice pbkdf2-sha256$600000$SALT$HASH
/// token crm-sync alice sha256$HEX
/// ```
/// `ciba-agi agent-passwd NAME` writes `agent` lines, `ciba-agi agent-token` writes and
/// removes `token` lines. Parsing is strict: any malformed line makes the whole file invalid
/// (with its line number and no content, since a line may hold a hash), because a half-read
/// file could drop a revocation.
public struct AgentsFile: Sendable, Equatable {
    public var agents: [String: PasswordHash] = [:]
    /// In file order.
    public var tokens: [APIToken] = []

    public init() {}

    /// Agent names and token labels: 1 to 64 of `A-Z a-z 0-9 . _ @ -`.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "@") || c == UInt8(ascii: "-")
        }
    }

    public static func parse(_ text: String) throws -> AgentsFile {
        var file = AgentsFile()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let number = index + 1
            switch fields.first {
            case "agent":
                guard fields.count == 3, isValidName(fields[1]) else {
                    throw AgentsFileError(.malformed, "line \(number): expected 'agent NAME HASH'")
                }
                guard let hash = PasswordHash(parsing: fields[2]) else {
                    throw AgentsFileError(.malformed, "line \(number): the password hash is not pbkdf2-sha256 with at least \(PasswordHash.minimumIterations) iterations (rewrite it with ciba-agi agent-passwd \(fields[1]))")
                }
                guard file.agents[fields[1]] == nil else {
                    throw AgentsFileError(.malformed, "line \(number): agent \(fields[1]) appears twice")
                }
                file.agents[fields[1]] = hash
            case "token":
                guard fields.count == 4, isValidName(fields[1]), isValidName(fields[2]),
                      let digest = APIToken.parseDigest(fields[3]) else {
                    throw AgentsFileError(.malformed, "line \(number): expected 'token LABEL AGENT sha256$HEX'")
                }
                guard !file.tokens.contains(where: { $0.label == fields[1] }) else {
                    throw AgentsFileError(.malformed, "line \(number): token \(fields[1]) appears twice")
                }
                file.tokens.append(APIToken(label: fields[1], agent: fields[2], digest: digest))
            default:
                throw AgentsFileError(.malformed, "line \(number): expected a line starting with 'agent' or 'token'")
            }
        }
        for token in file.tokens where file.agents[token.agent] == nil {
            throw AgentsFileError(.malformed, "token \(token.label) acts as agent \(token.agent), who is not in the file")
        }
        return file
    }

    /// The file text, agents sorted by name, tokens in order.
    public var text: String {
        var out = "# ciba-agi agent desk: agents (ciba-agi agent-passwd NAME) and API tokens (ciba-agi agent-token)\n"
        for name in agents.keys.sorted() { out += "agent \(name) \(agents[name]!.encoded)\n" }
        for token in tokens { out += "token \(token.label) \(token.agent) \(token.encodedDigest)\n" }
        return out
    }

    /// Reads `path`; a missing file is an empty one (the first `agent-passwd` creates it).
    public static func read(path: String, missingIsEmpty: Bool = false) throws -> AgentsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            if missingIsEmpty && !FileManager.default.fileExists(atPath: path) { return AgentsFile() }
            throw AgentsFileError(.unreadable, "\(path): cannot read the file (missing, or permissions)")
        }
        do {
            return try parse(String(decoding: data, as: UTF8.self))
        } catch let error as AgentsFileError {
            throw AgentsFileError(error.kind, "\(path): \(error.reason)")
        }
    }

    /// Replaces `path` atomically (a temporary file in the same directory, then rename), mode 0600.
    public func write(path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AgentsFileError(.unwritable, "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                close(fd)
                unlink(temporary)
                throw AgentsFileError(.unwritable, "cannot write \(temporary)")
            }
            written += n
        }
        guard fsync(fd) == 0, close(fd) == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw AgentsFileError(.unwritable, "cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// The agents file cannot be used. `reason` names the file and line, never a hash.
public struct AgentsFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let kind: Kind
    public let reason: String

    public struct Kind: Sendable, Hashable {
        let name: String
        public static let unreadable = Kind(name: "unreadable")
        public static let malformed = Kind(name: "malformed")
        public static let unwritable = Kind(name: "unwritable")
    }

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "AgentsFileError.\(kind.name): \(reason)" }
}
