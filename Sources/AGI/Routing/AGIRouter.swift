/// What a script does with a call. Runs in its own task; that task is cancelled the moment
/// the caller hangs up (see `AGIChannel`).
public typealias AGIHandler = @Sendable (AGIChannel) async throws -> Void

/// Maps script names (the path of `agi://host:port/<script>?query`) to handlers.
///
/// Names match exactly (case-sensitive), without a leading `/` and without the query.
public struct AGIRouter: Sendable {
    private var handlers: [String: AGIHandler] = [:]

    public init() {}

    /// Registers `handler` for `script`; a later registration of the same name replaces it.
    public mutating func register(_ script: String, _ handler: @escaping AGIHandler) {
        handlers[AGIRouter.normalize(script)] = handler
    }

    /// The handler for `script`, if any.
    public func handler(for script: String) -> AGIHandler? {
        handlers[AGIRouter.normalize(script)]
    }

    /// The registered script names, sorted.
    public var scripts: [String] { handlers.keys.sorted() }

    private static func normalize(_ script: String) -> String {
        var s = Substring(script)
        while s.hasPrefix("/") { s = s.dropFirst() }
        if let mark = s.firstIndex(of: "?") { s = s[..<mark] }
        return String(s)
    }
}
