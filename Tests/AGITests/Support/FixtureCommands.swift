import Foundation
@testable import AGI

/// A typed channel call equivalent to one recorded `>>` line.
enum TypedCall: Sendable {
    case answer, hangup, noop, channelStatus
    case verbose(String, Int)
    case getVariable(String)
    case getFullVariable(String)
    case setVariable(String, String)
    case sayDigits(String, String)
    case sayAlpha(String, String)
    case streamFile(String, String)
    case exec(String, String)
    case getData(String, Int?, Int?)
    case waitForDigit(Int?)
    case setMusic(Bool, String?)

    var command: AGICommand {
        switch self {
        case .answer: .answer
        case .hangup: .hangup
        case .noop: .noop
        case .channelStatus: .channelStatus
        case .verbose(let m, let l): .verbose(m, level: l)
        case .getVariable(let n): .getVariable(n)
        case .getFullVariable(let e): .getFullVariable(e)
        case .setVariable(let n, let v): .setVariable(n, v)
        case .sayDigits(let d, let e): .sayDigits(d, escapeDigits: e)
        case .sayAlpha(let t, let e): .sayAlpha(t, escapeDigits: e)
        case .streamFile(let f, let e): .streamFile(f, escapeDigits: e)
        case .exec(let a, let o): .exec(a, o)
        case .getData(let p, let t, let m): .getData(p, timeout: t.map { .milliseconds($0) }, maxDigits: m)
        case .waitForDigit(let t): .waitForDigit(timeout: t.map { .milliseconds($0) })
        case .setMusic(let on, let c): .setMusic(on, class: c)
        }
    }

    /// Builds the typed call from the words Asterisk reads out of a line (nil: no typed form).
    static func from(words: [String]) -> TypedCall? {
        let upper = words.map { $0.uppercased() }
        func starts(_ prefix: [String]) -> Bool { upper.starts(with: prefix) }
        switch true {
        case upper == ["ANSWER"]: return .answer
        case upper == ["HANGUP"]: return .hangup
        case upper == ["NOOP"]: return .noop
        case upper == ["CHANNEL", "STATUS"]: return .channelStatus
        case starts(["VERBOSE"]) && words.count == 3: return .verbose(words[1], Int(words[2]) ?? 1)
        case starts(["GET", "VARIABLE"]) && words.count == 3: return .getVariable(words[2])
        case starts(["GET", "FULL", "VARIABLE"]) && words.count == 4: return .getFullVariable(words[3])
        case starts(["SET", "VARIABLE"]) && words.count == 4: return .setVariable(words[2], words[3])
        case starts(["SAY", "DIGITS"]) && words.count == 4: return .sayDigits(words[2], words[3])
        case starts(["SAY", "ALPHA"]) && words.count == 4: return .sayAlpha(words[2], words[3])
        case starts(["STREAM", "FILE"]) && words.count == 4: return .streamFile(words[2], words[3])
        case starts(["EXEC"]) && words.count == 3: return .exec(words[1], words[2])
        case starts(["GET", "DATA"]) && words.count == 5: return .getData(words[2], Int(words[3]), Int(words[4]))
        case starts(["WAIT", "FOR", "DIGIT"]) && words.count == 4: return .waitForDigit(Int(words[3]).flatMap { $0 < 0 ? nil : $0 })
        case starts(["SET", "MUSIC"]) && (words.count == 3 || words.count == 4):
            return .setMusic(upper[2] == "ON", words.count == 4 ? words[3] : nil)
        default: return nil
        }
    }

    /// Runs the typed call and describes the typed outcome.
    func perform(on channel: AGIChannel) async -> String {
        do {
            switch self {
            case .answer: try await channel.answer(); return "ok"
            case .hangup: try await channel.hangup(); return "ok"
            case .noop: try await channel.noop(); return "ok"
            case .channelStatus: return "int:\(try await channel.channelStatus())"
            case .verbose(let m, let l): try await channel.verbose(m, level: l); return "ok"
            case .getVariable(let n): return (try await channel.getVariable(n)).map { "value:\($0)" } ?? "unset"
            case .getFullVariable(let e): return "value:\(try await channel.getFullVariable(e))"
            case .setVariable(let n, let v): try await channel.setVariable(n, v); return "ok"
            case .sayDigits(let d, let e): return "digit:\(try await channel.sayDigits(d, escapeDigits: e).map(String.init) ?? "none")"
            case .sayAlpha(let t, let e): return "digit:\(try await channel.sayAlpha(t, escapeDigits: e).map(String.init) ?? "none")"
            case .streamFile(let f, let e):
                let p = try await channel.streamFile(f, escapeDigits: e)
                return "playback:\(p.digit.map(String.init) ?? "none"):\(p.endpos):\(p.failed)"
            case .exec(let a, let o): return "int:\(try await channel.exec(a, o))"
            case .getData(let p, let t, let m):
                let d = try await channel.getData(p, timeout: t.map { .milliseconds($0) }, maxDigits: m)
                return "digits:\(d.digits):\(d.timedOut)"
            case .waitForDigit(let t):
                return "digit:\(try await channel.waitForDigit(timeout: t.map { .milliseconds($0) }).map(String.init) ?? "none")"
            case .setMusic(let on, let c): try await channel.setMusic(on, class: c); return "ok"
            }
        } catch let error as AGIError {
            return "error:\(error.kind.name)"
        } catch {
            return "error:\(error)"
        }
    }

    /// The typed outcome a reply should produce, worked out independently of AGIResponse
    /// (plain string handling on the recorded reply lines).
    func expectedOutcome(replyLines: [String]) -> String {
        let reply = replyLines.first(where: { $0 != "HANGUP" && !$0.hasPrefix("100 ") }) ?? ""
        if reply.hasPrefix("510") { return "error:invalidCommand" }
        if reply.hasPrefix("511") { return "error:deadChannel" }
        if reply.hasPrefix("520") { return "error:usage" }
        let afterResult = reply.components(separatedBy: "result=").dropFirst().joined(separator: "result=")
        let result = afterResult.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let value: String? = {
            guard let open = reply.firstIndex(of: "("), let close = reply.lastIndex(of: ")") else { return nil }
            return String(reply[reply.index(after: open)..<close])
        }()
        let endpos = reply.components(separatedBy: "endpos=").dropFirst().first.map { String($0.prefix(while: \.isNumber)) } ?? "0"
        func digit(_ code: Int) -> String { code == 0 ? "none" : String(Character(Unicode.Scalar(UInt8(code)))) }
        switch self {
        case .answer, .hangup, .noop, .verbose, .setVariable, .setMusic: return "ok"
        case .channelStatus, .exec: return "int:\(result)"
        case .getVariable: return result == "1" ? "value:\(value ?? "")" : "unset"
        case .getFullVariable: return "value:\(value ?? "")"
        case .sayDigits, .sayAlpha, .waitForDigit:
            let code = Int(result) ?? 0
            return code < 0 ? "error:hangup" : "digit:\(digit(code))"
        case .streamFile:
            let code = Int(result) ?? 0
            if code < 0 { return endpos == "0" ? "playback:none:0:true" : "error:hangup" }
            return "playback:\(digit(code)):\(endpos):false"
        case .getData:
            if result == "-1" { return "error:hangup" }
            return "digits:\(result):\(reply.hasSuffix(" (timeout)"))"
        }
    }
}

enum FixtureCommands {
    /// Recorded lines that no typed call produces byte for byte (the recording server sent
    /// them on purpose to probe Asterisk's parser), built with explicit argument styles.
    static let oddLines: [String: AGICommand] = [
        "SET VARIABLE LAB_T6 a\\ b": AGICommand(name: ["SET", "VARIABLE"], arguments: ["LAB_T6", .raw("a\\ b")]),
        "SET VARIABLE LAB_T8 back\\slash\\\\two": AGICommand(name: ["SET", "VARIABLE"], arguments: ["LAB_T8", .raw("back\\slash\\\\two")]),
        "SET VARIABLE LAB_T10 two words": AGICommand(name: ["SET", "VARIABLE"], arguments: ["LAB_T10", .raw("two words")]),
        "SET VARIABLE LAB_T11 \"unterminated quote": AGICommand(name: ["SET", "VARIABLE"], arguments: ["LAB_T11", .raw("\"unterminated quote")]),
        "SET VARIABLE LAB_T13 ab\"c d\"e": AGICommand(name: ["SET", "VARIABLE"], arguments: ["LAB_T13", .raw("ab\"c d\"e")]),
    ]

    /// A command whose encoded line is exactly `line`: the typed call's, else the words
    /// encoded with automatic quoting, else the odd-line table.
    static func command(for line: String) -> AGICommand? {
        let words = AsteriskArgumentParserForTests.split(line)
        if let typed = TypedCall.from(words: words), typed.command.line == line { return typed.command }
        let automatic = AGICommand(words)
        if automatic.line == line { return automatic }
        return oddLines[line]
    }
}
