/// One action the fake manager port received, and what it answered.
public struct FakeAMIAction: Sendable {
    /// 1 for the first connection, 2 for the next...
    public var connection: Int
    public var headers: [(name: String, value: String)]
    /// `Success`, `Error`, `Goodbye`, or nil when the fake stayed silent (`silentActions`).
    public var response: String?
    public var message: String?

    /// The first value of `name`, case-insensitive.
    public subscript(name: String) -> String? {
        headers.first(where: { $0.name.lowercased() == name.lowercased() })?.value
    }

    public var action: String { self["Action"] ?? "" }
}

/// Everything the fake manager port has seen so far, for assertions and waits.
public struct FakeAMISnapshot: Sendable {
    public var actions: [FakeAMIAction]
    /// Connections accepted so far.
    public var connections: Int
    /// Logged-in connections open right now.
    public var loggedIn: Int
    /// Successful logins so far (all connections).
    public var logins: Int
    /// Refused logins so far.
    public var failedLogins: Int
    public var channels: [String: FakeAMIChannel]
    /// Every event sent, in order, as (event name, headers) once per event (not per session).
    public var events: [(name: String, headers: [(String, String)])]
    /// Global variables set with `Setvar` without `Channel`.
    public var globals: [String: String]

    /// Actions named `name` (case-insensitive), in order.
    public func actions(named name: String) -> [FakeAMIAction] {
        actions.filter { $0.action.lowercased() == name.lowercased() }
    }
}
