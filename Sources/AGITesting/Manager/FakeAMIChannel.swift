/// A live channel of the fake PBX, as the manager interface reports it in channel events.
public struct FakeAMIChannel: Sendable, Equatable {
    /// The full channel name, e.g. `PJSIP/trunk-00000001`.
    public var name: String
    public var uniqueID: String
    /// The call's linked id: the uniqueid of the call's first channel (the caller's).
    public var linkedID: String
    public var callerIDNumber: String
    public var callerIDName: String
    public var language: String
    public var context: String
    public var exten: String
    public var priority: Int
    /// 6 = Up (Asterisk's `AST_STATE_UP`).
    public var state: Int
    public var variables: [String: String]

    public init(
        name: String, uniqueID: String, linkedID: String? = nil, callerIDNumber: String = "<unknown>",
        callerIDName: String = "<unknown>", language: String = "en", context: String = "default", exten: String = "s",
        priority: Int = 1, state: Int = 6, variables: [String: String] = [:]
    ) {
        self.name = name
        self.uniqueID = uniqueID
        self.linkedID = linkedID ?? uniqueID
        self.callerIDNumber = callerIDNumber
        self.callerIDName = callerIDName
        self.language = language
        self.context = context
        self.exten = exten
        self.priority = priority
        self.state = state
        self.variables = variables
    }

    /// Asterisk's `ChannelStateDesc` for `state`.
    var stateDescription: String {
        switch state {
        case 0: "Down"
        case 4: "Ring"
        case 5: "Ringing"
        case 6: "Up"
        default: "Unknown"
        }
    }

    /// A variable as `${NAME}` reads it: `__NAME` and `_NAME` (inheritable) count as `NAME`.
    public func variable(_ name: String) -> String? {
        variables[name] ?? variables["__" + name] ?? variables["_" + name]
    }

    /// The channel snapshot headers every channel event starts with (main/manager_channels.c
    /// `ast_manager_build_channel_state_string_prefix`), then one `ChanVariable` per
    /// manager.conf `channelvars` entry.
    func snapshotHeaders(channelVariables: [String]) -> [(String, String)] {
        var headers: [(String, String)] = [
            ("Channel", name), ("ChannelState", String(state)), ("ChannelStateDesc", stateDescription),
            ("CallerIDNum", callerIDNumber), ("CallerIDName", callerIDName),
            ("ConnectedLineNum", "<unknown>"), ("ConnectedLineName", "<unknown>"),
            ("Language", language), ("AccountCode", ""), ("Context", context), ("Exten", exten),
            ("Priority", String(priority)), ("Uniqueid", uniqueID), ("Linkedid", linkedID),
        ]
        for variable in channelVariables {
            headers.append(("ChanVariable", "\(variable)=\(self.variable(variable) ?? "")"))
        }
        return headers
    }
}
