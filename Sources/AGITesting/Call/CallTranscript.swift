import Foundation

/// One protocol line of a simulated call.
public struct TranscriptLine: Sendable, Equatable {
    public enum Direction: Sendable, Equatable {
        /// Written by the fake Asterisk (`<<` in the fixtures).
        case fromAsterisk
        /// Written by the server under test (`>>`).
        case fromServer
    }

    public var direction: Direction
    /// The line without its `\n`.
    public var text: String
    /// Real time since the connection started.
    public var time: Duration

    public init(direction: Direction, text: String, time: Duration) {
        self.direction = direction
        self.text = text
        self.time = time
    }
}

/// Everything that happened in a simulated call, as the fixtures record it.
public struct CallTranscript: Sendable {
    public var lines: [TranscriptLine]
    /// The notes (`# [t ms] ...` in the fixtures): hang-ups, closes, timeouts.
    public var events: [TranscriptLine]
    /// Channel variables at the end (what the dialplan's hangup handler would see).
    public var variables: [String: String]
    /// SUCCESS / FAILURE / HANGUP, as Asterisk computes it.
    public var agiStatus: String
    /// The server closed (or half-closed) the connection; false if the fake gave up waiting.
    public var closedByServer: Bool
    /// The fake's own timeout ended the call (the server neither finished nor closed).
    public var timedOut: Bool
    /// The command lines the server sent, in order.
    public var commands: [String] {
        lines.filter { $0.direction == .fromServer }.map(\.text)
    }

    public init(lines: [TranscriptLine] = [], events: [TranscriptLine] = [], variables: [String: String] = [:],
                agiStatus: String = "SUCCESS", closedByServer: Bool = false, timedOut: Bool = false) {
        self.lines = lines
        self.events = events
        self.variables = variables
        self.agiStatus = agiStatus
        self.closedByServer = closedByServer
        self.timedOut = timedOut
    }

    /// The transcript in the fixtures' format: `<< [    t ms] line`, `>> [    t ms] line`,
    /// `# [    t ms] note`, then `#= KEY=VALUE` lines for AGISTATUS and the variables.
    ///
    /// By default personal numbers are masked as everywhere else in ciba-agi: every run of
    /// 10 to 12 digits (not part of a dotted id such as a uniqueid) keeps its first digits and
    /// hides the rest, e.g. `19680202****`, `270346*****`. Pass `maskingPersonalNumbers: false`
    /// for the raw protocol lines (tests that compare bytes).
    public func rendered(maskingPersonalNumbers: Bool = true) -> String {
        renderedLines { text in maskingPersonalNumbers ? CallTranscript.maskPersonalNumbers(text) : text }
    }

    private func renderedLines(_ mask: (String) -> String) -> String {
        var merged: [(TranscriptLine, Bool)] = lines.map { ($0, false) } + events.map { ($0, true) }
        merged.sort { $0.0.time < $1.0.time }
        var out = ""
        for (line, isEvent) in merged {
            let prefix = isEvent ? "#" : (line.direction == .fromAsterisk ? "<<" : ">>")
            let stamp = "[" + CallTranscript.pad(CallTranscript.milliseconds(line.time)) + " ms]"
            out += line.text.isEmpty ? "\(prefix) \(stamp)\n" : "\(prefix) \(stamp) \(mask(line.text))\n"
        }
        out += "#= AGISTATUS=\(agiStatus)\n"
        for key in variables.keys.sorted() {
            out += "#= \(key)=\(mask(variables[key] ?? ""))\n"
        }
        return out
    }

    /// Masks runs of 10-12 digits: 12 keep 8 (SE personnummer), 11 keep 6 (NO fødselsnummer),
    /// 10 keep 6. Runs next to a `.` (uniqueids, versions) are left alone.
    public static func maskPersonalNumbers(_ text: String) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            guard chars[i].isASCII, chars[i].isNumber else {
                out.append(chars[i])
                i += 1
                continue
            }
            var j = i
            while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1 }
            let run = String(chars[i..<j])
            let dotted = (i > 0 && chars[i - 1] == ".") || (j < chars.count && chars[j] == ".")
            if (10...12).contains(run.count) && !dotted {
                let keep = run.count == 12 ? 8 : 6
                out += String(run.prefix(keep))
                out += String(repeating: "*", count: run.count - keep)
            } else {
                out += run
            }
            i = j
        }
        return out
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = seconds * 10_000 + attoseconds / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func pad(_ text: String) -> String {
        text.count >= 9 ? text : String(repeating: " ", count: 9 - text.count) + text
    }
}
