/// One thing wrong with the configuration, located by its JSON path
/// (`profiles.se-bankid.numberKind: ...`). Validation collects all of them, so an admin
/// fixes the file in one round instead of one error per run.
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// Dotted JSON path, e.g. `provider.issuer`; empty for the file as a whole.
    public var path: String
    /// What is wrong and, where it helps, what would be right. Never contains a secret.
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// The configuration cannot be used; `problems` lists every reason.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let kind: Kind
    public let problems: [ConfigurationProblem]

    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The file could not be read (missing, permissions).
        public static let unreadable = Kind(name: "unreadable")
        /// The file is not valid JSON.
        public static let malformed = Kind(name: "malformed")
        /// The JSON was read but values are missing or wrong.
        public static let invalid = Kind(name: "invalid")
        public var description: String { name }
    }

    public init(_ kind: Kind, problems: [ConfigurationProblem]) {
        self.kind = kind
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
