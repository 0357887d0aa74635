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
    public func rendered() -> String {
        var merged: [(TranscriptLine, Bool)] = lines.map { ($0, false) } + events.map { ($0, true) }
        merged.sort { $0.0.time < $1.0.time }
        var out = ""
        for (line, isEvent) in merged {
            let prefix = isEvent ? "#" : (line.direction == .fromAsterisk ? "<<" : ">>")
            let stamp = "[" + CallTranscript.pad(CallTranscript.milliseconds(line.time)) + " ms]"
            out += line.text.isEmpty ? "\(prefix) \(stamp)\n" : "\(prefix) \(stamp) \(line.text)\n"
        }
        out += "#= AGISTATUS=\(agiStatus)\n"
        for key in variables.keys.sorted() {
            out += "#= \(key)=\(variables[key] ?? "")\n"
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
