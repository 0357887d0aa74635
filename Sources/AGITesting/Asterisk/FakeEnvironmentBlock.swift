import Foundation

/// Builds the environment block exactly as Asterisk 22 sends it: fixed key order,
/// `key: value` (an empty value keeps the trailing space), `unknown` for missing caller data.
enum FakeEnvironmentBlock {
    static let standardKeys = [
        "agi_network", "agi_network_script", "agi_request", "agi_channel", "agi_language", "agi_type",
        "agi_uniqueid", "agi_version", "agi_callerid", "agi_calleridname", "agi_callingpres",
        "agi_callingani2", "agi_callington", "agi_callingtns", "agi_dnid", "agi_rdnis", "agi_context",
        "agi_extension", "agi_priority", "agi_enhanced", "agi_accountcode", "agi_threadid",
    ]

    /// The `(key, value)` pairs in order, `agi_arg_N` last.
    static func entries(for call: FakeCall, serverAddress: String, sequence: Int) -> [(String, String)] {
        var overrides: [String: String] = [:]
        for (key, value) in call.environment {
            overrides[key.hasPrefix("agi_") ? key : "agi_" + key] = value
        }
        let callerID = overrides["agi_callerid"] ?? "unknown"
        let channel = String(format: "PJSIP/fake-%08x", sequence)
        let epoch = Int(Date().timeIntervalSince1970)
        var defaults: [String: String] = [
            "agi_network": "yes",
            "agi_network_script": call.script,
            "agi_request": "agi://\(serverAddress)/\(call.script)",
            "agi_channel": channel,
            "agi_language": "en",
            "agi_type": "PJSIP",
            "agi_uniqueid": "\(epoch).\(sequence)",
            "agi_version": "22.10.1",
            "agi_callerid": callerID,
            "agi_calleridname": "unknown",
            "agi_callingpres": callerID == "unknown" ? "67" : "0",
            "agi_callingani2": "0",
            "agi_callington": "0",
            "agi_callingtns": "0",
            "agi_dnid": "unknown",
            "agi_rdnis": "unknown",
            "agi_context": "ivr",
            "agi_extension": "s",
            "agi_priority": "1",
            "agi_enhanced": "0.0",
            "agi_accountcode": "",
            "agi_threadid": String(140_387_685_992_128 + sequence),
        ]
        for (key, value) in overrides { defaults[key] = value }
        var result: [(String, String)] = []
        for key in standardKeys {
            // Asterisk leaves agi_network_script out when the URL has no script part.
            if key == "agi_network_script" && call.script.isEmpty && overrides[key] == nil { continue }
            result.append((key, defaults[key] ?? ""))
        }
        for key in overrides.keys.sorted() where !standardKeys.contains(key) && !key.hasPrefix("agi_arg_") {
            result.append((key, overrides[key] ?? ""))
        }
        for (index, argument) in call.arguments.enumerated() {
            result.append(("agi_arg_\(index + 1)", argument))
        }
        return result
    }

    static func lines(_ entries: [(String, String)]) -> [String] {
        entries.map { "\($0.0): \($0.1)" } + [""]
    }
}
