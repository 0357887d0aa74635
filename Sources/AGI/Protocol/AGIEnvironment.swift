/// The environment block Asterisk sends at the start of every AGI session.
///
/// Every line is kept, in order, including keys this type has no property for.
/// `agi_network_script` is split into the script name and its `?query`, which Asterisk
/// passes on without any URL decoding (we decode it here).
public struct AGIEnvironment: Sendable, Equatable {
    /// One `key: value` line. The value keeps trailing spaces exactly as sent.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Every line of the block, in the order Asterisk sent it.
    public private(set) var entries: [Entry]
    /// The script name: the part of `agi_network_script` before `?` (leading `/` removed).
    public private(set) var script: String
    /// The `?key=value&...` query of `agi_network_script`, percent-decoded (`+` is a space).
    /// Repeated keys: the last one wins; `queryItems` keeps them all.
    public private(set) var query: [String: String]
    /// The query items in order, percent-decoded.
    public private(set) var queryItems: [AGIQueryItem]
    /// `agi_arg_1` ... `agi_arg_N`, in numeric order. Empty arguments are kept.
    public private(set) var arguments: [String]

    public init(entries: [Entry]) {
        self.entries = entries
        // One pass over the keys' bytes (no Character-level String operations on this path).
        var networkScript: String?
        var numbered: [(Int, String)] = []
        for entry in entries {
            let key = entry.key.utf8
            if networkScript == nil, key.elementsEqual("agi_network_script".utf8) {
                networkScript = entry.value
            } else if key.starts(with: "agi_arg_".utf8),
                      let n = Int(Substring(key.dropFirst("agi_arg_".utf8.count))) {
                numbered.append((n, entry.value))
            }
        }
        let (script, items) = AGIQuery.splitScript(networkScript ?? AGIEnvironment.scriptFromRequest(entries))
        self.script = script
        self.queryItems = items
        var query: [String: String] = [:]
        for item in items { query[item.name] = item.value }
        self.query = query
        if numbered.count > 1 { numbered.sort(by: { $0.0 < $1.0 }) }
        self.arguments = numbered.map(\.1)
    }

    /// The value for `key`, given with or without the `agi_` prefix (`"channel"` = `"agi_channel"`).
    public subscript(_ key: String) -> String? {
        if let hit = entries.first(where: { $0.key == key }) { return hit.value }
        if !key.hasPrefix("agi_"), let hit = entries.first(where: { $0.key == "agi_" + key }) { return hit.value }
        return nil
    }

    private func value(_ key: String) -> String { self[key] ?? "" }

    public var network: String { value("agi_network") }
    /// The raw `agi_network_script` value (`script?query`, not decoded).
    public var networkScript: String { value("agi_network_script") }
    /// The full AGI URL (`agi://host:port/script?query`).
    public var request: String { value("agi_request") }
    public var channel: String { value("agi_channel") }
    public var language: String { value("agi_language") }
    public var type: String { value("agi_type") }
    public var uniqueID: String { value("agi_uniqueid") }
    public var version: String { value("agi_version") }
    /// The caller's number; Asterisk sends the word `unknown` when there is none.
    public var callerID: String { value("agi_callerid") }
    public var callerIDName: String { value("agi_calleridname") }
    public var callingPresentation: String { value("agi_callingpres") }
    public var callingANI2: String { value("agi_callingani2") }
    public var callingTON: String { value("agi_callington") }
    public var callingTNS: String { value("agi_callingtns") }
    public var dnid: String { value("agi_dnid") }
    public var rdnis: String { value("agi_rdnis") }
    public var context: String { value("agi_context") }
    public var `extension`: String { value("agi_extension") }
    public var priority: String { value("agi_priority") }
    public var enhanced: String { value("agi_enhanced") }
    public var accountCode: String { value("agi_accountcode") }
    public var threadID: String { value("agi_threadid") }

    /// Without `agi_network_script` (a URL with no script part) the path of `agi_request` is used.
    private static func scriptFromRequest(_ entries: [Entry]) -> String {
        guard let request = entries.first(where: { $0.key == "agi_request" })?.value,
              let scheme = request.range(of: "://") else { return "" }
        let afterHost = request[scheme.upperBound...]
        guard let slash = afterHost.firstIndex(of: "/") else { return "" }
        return String(afterHost[afterHost.index(after: slash)...])
    }
}
