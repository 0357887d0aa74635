import Foundation
import Testing
@testable import CallerAuth

/// Walks the shipped `asterisk/extensions.conf` the way Asterisk's pbx_config reads it (enough
/// of it): every `AGI()` names a script ciba-agi serves, a profile of the sample configuration
/// and only options it understands; every `Goto`/`GotoIf`/`Gosub`/hangup handler/`Queue`
/// pre-dial or gosub target exists; every queue is in `queues.conf`.
@Suite("sample dialplan")
struct SampleDialplanTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func everyAGICallAndEveryTargetIsValid() throws {
        let dialplan = try Dialplan(parsing: try Self.read("asterisk/extensions.conf"))
        let profiles = try Self.sampleProfiles()
        let queues = try Self.queueNames()
        var agiCalls = 0
        var scripts: Set<String> = []
        for step in dialplan.steps {
            let place = "\(step.context),\(step.exten),\(step.priority)"
            switch step.application.lowercased() {
            case "agi":
                agiCalls += 1
                let arguments = Dialplan.split(step.arguments, on: ",")
                let url = arguments.first ?? ""
                let expanded = url.replacingOccurrences(of: "${CIBA_AGI}", with: dialplan.globals["CIBA_AGI"] ?? "")
                #expect(expanded.hasPrefix("agi://") || expanded.hasPrefix("hagi://"), "\(place): \(url)")
                let path = expanded.split(separator: "/", omittingEmptySubsequences: true).dropFirst(2).joined(separator: "/")
                let script = String(path.split(separator: "?").first ?? "")
                let query = path.contains("?") ? String(path.split(separator: "?", maxSplits: 1)[1]) : ""
                scripts.insert(script)
                #expect(CallerAuthService.scriptNames.contains(script), "\(place): unknown script \(script)")
                if script == CallerAuthService.queueResultScriptName {
                    let options = ResultOptions.parse(query: Dictionary(CallOptions.parsePairs(query), uniquingKeysWith: { $1 }),
                                                      arguments: Array(arguments.dropFirst()))
                    #expect(options.ignored.isEmpty, "\(place): \(options.ignored)")
                } else {
                    let profile = arguments.count > 1 ? arguments[1] : ""
                    #expect(profiles.contains(profile), "\(place): profile \"\(profile)\" is not in ciba-agi.example.json")
                    let options = CallOptions.parse(query: Dictionary(CallOptions.parsePairs(query), uniquingKeysWith: { $1 }),
                                                    argument: arguments.count > 2 ? arguments[2] : nil)
                    #expect(options.ignoredKeys.isEmpty, "\(place): options \(options.ignoredKeys)")
                }
                if !url.hasPrefix("hagi://") {
                    #expect(url.hasPrefix("${CIBA_AGI}/"), "\(place): use the CIBA_AGI global, not \(url)")
                }
            case "goto":
                let found = dialplan.resolves(step.arguments, from: step)
                #expect(found, "\(place): Goto(\(step.arguments))")
            case "gotoif":
                let destinations = Dialplan.gotoIfDestinations(step.arguments)
                #expect(!destinations.isEmpty, "\(place): GotoIf without a destination")
                for destination in destinations {
                    let found = dialplan.resolves(destination, from: step)
                    #expect(found, "\(place): GotoIf -> \(destination)")
                }
            case "gosub":
                let found = dialplan.resolves(Dialplan.withoutArguments(step.arguments), from: step)
                #expect(found, "\(place): Gosub(\(step.arguments))")
            case "set" where step.arguments.hasPrefix("CHANNEL(hangup_handler_push)="):
                let target = Dialplan.withoutArguments(String(step.arguments.dropFirst("CHANNEL(hangup_handler_push)=".count)))
                let found = dialplan.resolves(target, from: step)
                #expect(found, "\(place): hangup handler \(target)")
            case "queue":
                let arguments = Dialplan.split(step.arguments, on: ",")
                #expect(queues.contains(arguments[0]), "\(place): queue \(arguments[0]) is not in queues.conf")
                let options = arguments.count > 1 ? arguments[1] : ""
                if let open = options.range(of: "b(") {
                    let inner = options[open.upperBound...].prefix { $0 != ")" }
                    let target = inner.replacingOccurrences(of: "^", with: ",")
                    let found = dialplan.resolves(target, from: step)
                    #expect(found, "\(place): Queue pre-dial \(target)")
                }
                // Asterisk 21+: the 7th argument is the gosub context, run from s,1 on the agent's channel.
                if arguments.count > 6, !arguments[6].isEmpty {
                    let found = dialplan.resolves("\(arguments[6]),s,1", from: step)
                    #expect(found, "\(place): Queue gosub \(arguments[6])")
                }
            case "userevent":
                for forbidden in ["CIBA_ID_NUMBER", "CIBA_NAME", "CIBA_SUB", "CIBA_BIRTHDATE"] {
                    #expect(!step.arguments.contains(forbidden), "\(place): the UserEvent must not carry \(forbidden)")
                }
            default:
                break
            }
        }
        #expect(agiCalls >= 7)
        #expect(scripts == Set(CallerAuthService.scriptNames), "the sample shows every script")
        #expect(dialplan.globals["CIBA_AGI"] == "agi://127.0.0.1:4573")
    }

    @Test func finalPromptsAgreeWithTheRouting() throws {
        // INVALID and RATE_LIMITED route to an agent queue, so their prompts must not say goodbye.
        let table = try Self.read("sounds/prompts.tsv")
        for name in ["too-many-attempts", "rate-limited", "no-input"] {
            let row = try #require(table.split(separator: "\n").first { $0.hasPrefix(name + "\t") })
            #expect(!row.lowercased().contains("goodbye") && !row.contains("Hej då") && !row.contains("Ha det"), "\(name): \(row)")
        }
        let dialplan = try Dialplan(parsing: try Self.read("asterisk/extensions.conf"))
        let route = dialplan.steps.filter { $0.context == "ciba-route" }
        #expect(route.contains { $0.application == "GotoIf" && $0.arguments.contains("\"INVALID\"]?fallback") })
        #expect(route.contains { $0.application == "Queue" && $0.arguments.hasPrefix("support-unverified") })
    }

    @Test func everyPromptTheFlowPlaysIsShipped() throws {
        for language in PromptLanguage.allCases {
            for prompt in Prompt.allCases {
                let file = Self.root.appendingPathComponent("sounds/\(language.rawValue)/ciba/\(prompt.rawValue).wav")
                #expect(FileManager.default.fileExists(atPath: file.path), "missing \(file.path)")
            }
        }
        let table = try Self.read("sounds/prompts.tsv")
        #expect(table.contains("retry-offer\tPress 1 to try again"))
    }

    /// Each final status the AGI can leave, followed through the shipped dialplan as Asterisk
    /// would run it (`GotoIf` conditions evaluated on the channel's variables): the queue the
    /// caller ends up in and the caller-id name the agent's phone shows.
    @Test(arguments: [
        // (start context, status left by the AGI, expected queue, expected caller-id name prefix)
        ("ciba-inbound", "VERIFIED", "support-verified", "BankID OK Terne Paulsen"),
        ("ciba-inbound", "DENIED", "support-unverified", "UNVERIFIED user_denied"),
        ("ciba-inbound", "EXPIRED", "support-unverified", "UNVERIFIED expired"),
        ("ciba-inbound", "INVALID", "support-unverified", "UNVERIFIED invalid_number"),
        ("ciba-inbound", "RATE_LIMITED", "support-unverified", "UNVERIFIED rate_limited"),
        ("ciba-inbound", "ERROR", "support-unverified", "UNVERIFIED provider_unreachable"),
        ("ciba-inbound", "", "support-unverified", "UNVERIFIED agi_unavailable"),
        ("ciba-inbound-no", "VERIFIED", "support-verified", "BankID OK Terne Paulsen"),
        ("ciba-inbound-no", "DENIED", "support-unverified", "UNVERIFIED user_denied"),
        ("ciba-queue-no", "PENDING", "support-queue", "BankID pending +4799999999"),
        ("ciba-queue-no", "INVALID", "support-unverified", "UNVERIFIED invalid_number"),
        ("ciba-queue-no", "RATE_LIMITED", "support-unverified", "UNVERIFIED rate_limited"),
        ("ciba-queue-no", "ERROR", "support-unverified", "UNVERIFIED provider_unreachable"),
        ("ciba-queue-no", "", "support-unverified", "UNVERIFIED agi_unavailable"),
    ])
    func eachStatusReachesItsQueue(context: String, status: String, queue: String, callerName: String) throws {
        let dialplan = try Dialplan(parsing: try Self.read("asterisk/extensions.conf"))
        let errors = ["VERIFIED": "", "PENDING": "", "DENIED": "user_denied", "EXPIRED": "expired",
                      "INVALID": "invalid_number", "RATE_LIMITED": "rate_limited", "ERROR": "provider_unreachable", "": ""]
        // What the AGI leaves on the channel (empty status: no server answered, AGISTATUS=FAILURE).
        var set = ["CIBA_STATUS": status, "CIBA_ERROR": errors[status] ?? "", "CIBA_TXN": status.isEmpty ? "" : "txn-1",
                   "AGISTATUS": status.isEmpty ? "FAILURE" : "SUCCESS"]
        if status == "VERIFIED" { set["CIBA_NAME"] = "Terne Paulsen" }
        let end = try dialplan.run(from: context, agiSets: set, variables: ["CALLERID(name)": "+4799999999"])
        #expect(end.queue == queue, "\(context) \(status.isEmpty ? "(no answer)" : status): path \(end.path)")
        #expect(end.variables["CALLERID(name)"] == callerName, "\(context) \(status): path \(end.path)")
        if status == "VERIFIED" || status == "PENDING" {
            #expect(end.variables["__CIBA_TXN"] == "txn-1")
        }
        #expect(end.variables["__CIBA_STATUS"] == status, "the agent's leg inherits the status")
    }

    static func sampleProfiles() throws -> Set<String> {
        let data = Data(try read("ciba-agi.example.json").utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let profiles = try #require(object["profiles"] as? [String: Any])
        return Set(profiles.keys)
    }

    static func queueNames() throws -> Set<String> {
        Set(try read("asterisk/queues.conf").split(separator: "\n").compactMap { line -> String? in
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("["), let close = text.firstIndex(of: "]") else { return nil }
            let name = String(text[text.index(after: text.startIndex)..<close])
            return name == "general" ? nil : name
        })
    }
}

/// The parts of an extensions.conf this test needs: contexts, extensions, priorities with
/// labels, applications with their argument text, and `[globals]`.
struct Dialplan {
    struct Step {
        var context: String
        var exten: String
        var priority: Int
        var label: String?
        var application: String
        var arguments: String
    }

    var steps: [Step] = []
    var globals: [String: String] = [:]

    init(parsing text: String) throws {
        var context = ""
        var exten = ""
        var priority = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = Self.stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                context = String(line[line.index(after: line.startIndex)..<close])
                continue
            }
            if context == "globals", let equals = line.firstIndex(of: "=") {
                globals[String(line[..<equals]).trimmingCharacters(in: .whitespaces)] =
                    String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let arrow = line.range(of: "=>") else { continue }
            let keyword = line[..<arrow.lowerBound].trimmingCharacters(in: .whitespaces)
            var rest = line[arrow.upperBound...].trimmingCharacters(in: .whitespaces)
            if keyword == "exten" {
                let parts = Self.split(rest, on: ",")
                exten = parts[0]
                rest = parts.dropFirst().joined(separator: ",")
            } else if keyword != "same" {
                continue
            }
            guard let comma = rest.firstIndex(of: ",") else { continue }
            var priorityText = String(rest[..<comma])
            let body = String(rest[rest.index(after: comma)...])
            var label: String? = nil
            if let open = priorityText.firstIndex(of: "("), priorityText.hasSuffix(")") {
                label = String(priorityText[priorityText.index(after: open)..<priorityText.index(before: priorityText.endIndex)])
                priorityText = String(priorityText[..<open])
            }
            priority = priorityText == "n" ? priority + 1 : (Int(priorityText) ?? 0)
            let application = body.firstIndex(of: "(").map { String(body[..<$0]) } ?? body
            var arguments = ""
            if let open = body.firstIndex(of: "("), body.hasSuffix(")") {
                arguments = String(body[body.index(after: open)..<body.index(before: body.endIndex)])
            }
            steps.append(Step(context: context, exten: exten, priority: priority, label: label,
                              application: application.trimmingCharacters(in: .whitespaces), arguments: arguments))
        }
    }

    /// `;` starts a comment unless escaped (`\;`).
    static func stripComment(_ line: String) -> String {
        var out = ""
        var previous: Character = " "
        for character in line {
            if character == ";" && previous != "\\" { break }
            out.append(character)
            previous = character
        }
        return out
    }

    /// Splits on `separator` outside parentheses, brackets and `${...}`.
    static func split(_ text: String, on separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "(" || character == "[" || character == "{" { depth += 1 }
            if character == ")" || character == "]" || character == "}" { depth -= 1 }
            if character == separator && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// `ctx,s,1(arg)` -> `ctx,s,1`.
    static func withoutArguments(_ target: String) -> String {
        target.firstIndex(of: "(").map { String(target[..<$0]) } ?? target
    }

    /// `$[cond]?a:b` -> [a, b]; the condition may hold `?` and `:` inside `$[...]`.
    static func gotoIfDestinations(_ arguments: String) -> [String] {
        guard let close = arguments.lastIndex(of: "]"), let question = arguments[close...].firstIndex(of: "?") else { return [] }
        return arguments[arguments.index(after: question)...].split(separator: ":").map { String($0) }.filter { !$0.isEmpty }
    }

    struct Run {
        var queue: String?
        var variables: [String: String]
        var path: [String]
    }

    struct Unsupported: Error, CustomStringConvertible { var description: String }

    /// Runs from `context,s,1` until `Queue()` or `Hangup()`, as Asterisk would: `Set`, `Goto`,
    /// `GotoIf` with `$["A" = "B"]`/`!=` conditions, `AGI` (leaves `agiSets`). `Gosub`,
    /// `Answer`, `NoOp`, `Log`, `ExecIf` and `UserEvent` do not change the route here.
    func run(from context: String, agiSets: [String: String], variables initial: [String: String]) throws -> Run {
        var variables = initial
        var index = try index(of: "\(context),s,1", from: nil)
        var path: [String] = []
        for _ in 0..<200 {
            let step = steps[index]
            path.append("\(step.context),\(step.priority)\(step.label.map { "(\($0))" } ?? "")")
            let arguments = expand(step.arguments, variables)
            switch step.application.lowercased() {
            case "queue":
                return Run(queue: Self.split(arguments, on: ",")[0], variables: variables, path: path)
            case "hangup":
                return Run(queue: nil, variables: variables, path: path)
            case "agi":
                variables.merge(agiSets) { $1 }
            case "set":
                // The raw arguments: the name part is not expanded, the value is.
                if let equals = step.arguments.firstIndex(of: "=") {
                    variables[String(step.arguments[..<equals])] = expand(String(step.arguments[step.arguments.index(after: equals)...]), variables)
                }
            case "goto":
                index = try self.index(of: arguments, from: step)
                continue
            case "gotoif":
                guard let close = step.arguments.lastIndex(of: "]"), step.arguments.hasPrefix("$[") else {
                    throw Unsupported(description: "GotoIf(\(step.arguments))")
                }
                let condition = expand(String(step.arguments[step.arguments.index(step.arguments.startIndex, offsetBy: 2)..<close]), variables)
                let destinations = Self.gotoIfDestinations(step.arguments)
                let taken = try Self.evaluate(condition)
                if taken, let destination = destinations.first {
                    index = try self.index(of: destination, from: step)
                    continue
                }
            case "gosub", "answer", "noop", "log", "execif", "userevent":
                break
            default:
                throw Unsupported(description: "\(step.application) at \(path.last ?? "")")
            }
            index += 1
        }
        throw Unsupported(description: "no Queue() or Hangup() after 200 steps: \(path)")
    }

    /// `"A" = "B"` or `"A" != "B"`, the only conditions the sample uses.
    static func evaluate(_ condition: String) throws -> Bool {
        for (op, equal) in [(" != ", false), (" = ", true)] {
            if let range = condition.range(of: op) {
                let unquote = { (text: Substring) in text.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                return (unquote(condition[..<range.lowerBound]) == unquote(condition[range.upperBound...])) == equal
            }
        }
        throw Unsupported(description: "condition \(condition)")
    }

    /// `${NAME}` -> its value (empty when unset), as Asterisk substitutes.
    func expand(_ text: String, _ variables: [String: String]) -> String {
        var out = text
        while let open = out.range(of: "${"), let close = out[open.upperBound...].firstIndex(of: "}") {
            let name = String(out[open.upperBound..<close])
            out.replaceSubrange(open.lowerBound...close, with: variables[name] ?? variables["__" + name] ?? "")
        }
        return out
    }

    /// The step `target` (label | exten,priority | context,exten,priority) names, relative to `step`.
    func index(of target: String, from step: Step?) throws -> Int {
        let parts = target.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let (context, exten, priority): (String, String, String) = switch parts.count {
        case 1: (step?.context ?? "", step?.exten ?? "", parts[0])
        case 2: (step?.context ?? "", parts[0], parts[1])
        case 3: (parts[0], parts[1], parts[2])
        default: ("", "", "")
        }
        let number = Int(priority)
        let found = steps.firstIndex { step in
            step.context == context && step.exten == exten && (number.map { step.priority == $0 } ?? (step.label == priority))
        }
        guard let found else { throw Unsupported(description: "no \(target)") }
        return found
    }

    /// Whether `target` (label | exten,priority | context,exten,priority) exists.
    func resolves(_ target: String, from step: Step) -> Bool {
        (try? index(of: target, from: step)) != nil
    }
}
