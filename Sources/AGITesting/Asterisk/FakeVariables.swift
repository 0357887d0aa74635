/// The channel's variables as the fake dialplan sees them, with the built-ins and the few
/// functions GET VARIABLE / GET FULL VARIABLE commonly use.
struct FakeVariables: Sendable {
    var values: [String: String]
    var environment: [String: String]
    /// `CHANNEL(linkedid)`; nil = the channel's own uniqueid, as for a call's first channel in Asterisk.
    var linkedID: String? = nil

    /// GET VARIABLE semantics: `nil` = unset.
    func get(_ name: String) -> String? {
        if let open = name.firstIndex(of: "("), name.hasSuffix(")") {
            let function = name[..<open].uppercased()
            let argument = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
            return call(function, argument)
        }
        if let value = values[name] { return value }
        switch name {
        case "CHANNEL": return environment["agi_channel"]
        case "UNIQUEID": return environment["agi_uniqueid"]
        case "EXTEN": return environment["agi_extension"]
        case "CONTEXT": return environment["agi_context"]
        case "PRIORITY": return environment["agi_priority"]
        default: return nil
        }
    }

    private func call(_ function: String, _ argument: String) -> String? {
        switch function {
        case "CALLERID":
            let number = environment["agi_callerid"].flatMap { $0 == "unknown" ? nil : $0 } ?? ""
            let name = environment["agi_calleridname"].flatMap { $0 == "unknown" ? nil : $0 } ?? ""
            switch argument.lowercased() {
            case "num", "number": return number
            case "name": return name
            case "all": return name.isEmpty ? "<\(number)>" : "\"\(name)\" <\(number)>"
            default: return ""
            }
        case "LEN":
            return String(expand(argument).count)
        case "LANGUAGE":
            return environment["agi_language"]
        case "CHANNEL" where argument.lowercased() == "language":
            return environment["agi_language"]
        case "CHANNEL" where argument.lowercased() == "linkedid":
            return linkedID ?? environment["agi_uniqueid"]
        default:
            return nil
        }
    }

    /// GET FULL VARIABLE: expands `${NAME}` and `${FUNC(arg)}`, nested; unset = "".
    func expand(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            if chars[i] == "$", i + 1 < chars.count, chars[i + 1] == "{" {
                var depth = 1
                var j = i + 2
                while j < chars.count {
                    if chars[j] == "{" { depth += 1 }
                    if chars[j] == "}" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    j += 1
                }
                if j >= chars.count {  // unterminated: keep literally
                    out += String(chars[i...])
                    break
                }
                let inner = expand(String(chars[(i + 2)..<j]))
                out += get(inner) ?? ""
                i = j + 1
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }
}
