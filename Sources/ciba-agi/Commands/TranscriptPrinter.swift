import Foundation
import AGITesting
import CallerAuth

/// Prints a call for people: the AGI dialogue, the prompts played and the final variables.
/// Every digit run that could be a national number is masked first.
enum TranscriptPrinter {
    static func dialogue(_ transcript: CallTranscript) -> String {
        var out = "== AGI dialogue (<< Asterisk, >> ciba-agi; numbers masked) ==\n"
        for line in transcript.rendered().split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix("#=") {
            if line.isEmpty { continue }
            out += NumberRedaction.redact(String(line)) + "\n"
        }
        return out
    }

    static func prompts(_ transcript: CallTranscript) -> String {
        var out = "== Prompts played ==\n"
        for command in transcript.commands {
            let words = command.split(separator: " ", maxSplits: 2).map(String.init)
            guard let verb = words.first?.uppercased() else { continue }
            switch verb {
            case "STREAM", "GET", "SAY", "EXEC":
                if verb == "GET" && words.count > 1 && words[1].uppercased() != "DATA" { continue }
                if verb == "STREAM" || verb == "GET" {
                    let rest = words.count > 2 ? words[2] : ""
                    let file = rest.split(separator: " ").first.map(String.init) ?? rest
                    out += "  \(file.replacingOccurrences(of: "\"", with: ""))\((verb == "GET") ? "  (collects digits)" : "")\n"
                } else {
                    out += "  " + NumberRedaction.redact(command) + "\n"
                }
            default:
                continue
            }
        }
        return out
    }

    static func variables(_ transcript: CallTranscript) -> String {
        var out = "== Channel variables ==\n  AGISTATUS=\(transcript.agiStatus)\n"
        for key in transcript.variables.keys.sorted() where key.hasPrefix("CIBA_") {
            out += "  \(key)=\(NumberRedaction.redact(transcript.variables[key] ?? ""))\n"
        }
        return out
    }
}
