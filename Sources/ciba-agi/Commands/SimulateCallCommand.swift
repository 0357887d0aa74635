import Foundation
import AGITesting
import CallerAuth
import Sockets

/// `ciba-agi simulate-call --agi URL [--dtmf DIGITS] [--hangup-after SECONDS]`: plays
/// Asterisk against a running server (for admins without a softphone).
enum SimulateCallCommand {
    static let help = """
    usage: ciba-agi simulate-call --agi agi://HOST[:PORT]/SCRIPT[?query] [options]

      --dtmf DIGITS          keys pressed (e.g. 196802020575#), starting at --dtmf-at (default 2 s)
      --dtmf-at SECONDS      call time of the first key
      --hangup-after SECONDS the caller hangs up at this call time
      --profile P            agi_arg_1 (the profile); --options "k=v&..." agi_arg_2
      --callerid NUMBER      agi_callerid (default +46701234567)
      --language L           agi_language (default en)
      --variable NAME=VALUE  a channel variable set before the AGI (e.g. CIBA_ID_NUMBER=...)
      --timeout SECONDS      give up after this long (default 300)

    Prints the AGI dialogue (numbers masked) and the channel variables. Exit 0 when the call
    completed, 1 when the server could not be reached.
    """

    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try ParsedArguments.parse(
            arguments, command: "simulate-call",
            valueOptions: ["agi", "dtmf", "dtmf-at", "hangup-after", "profile", "options", "callerid", "language", "variable", "timeout"])
        if options.wantsHelp { print(help); return 0 }
        guard let url = options.values["agi"] else { throw UsageError("simulate-call: --agi URL is required (e.g. agi://127.0.0.1:4573/caller-auth)") }
        let (address, script) = try parse(url)
        var call = FakeCall(script: script)
        if let profile = options.values["profile"] { call.arguments.append(profile) }
        if let extra = options.values["options"] {
            if call.arguments.isEmpty { call.arguments.append("") }
            call.arguments.append(extra)
        }
        call.environment["agi_callerid"] = options.values["callerid"] ?? "+46701234567"
        call.environment["agi_language"] = options.values["language"] ?? "en"
        if let variable = options.values["variable"] {
            let parts = variable.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw UsageError("simulate-call: --variable takes NAME=VALUE") }
            call.variables[parts[0]] = parts[1]
        }
        if let digits = options.values["dtmf"] {
            guard digits.allSatisfy({ "0123456789*#ABCD".contains($0) }) else {
                throw UsageError("simulate-call: --dtmf takes 0-9 * # A-D")
            }
            let at = try options.number("dtmf-at", command: "simulate-call", range: 0...3600) ?? 2
            call.keypresses = [FakeKeypress(at: .milliseconds(Int64(at * 1000)), digits: digits)]
        }
        if let seconds = try options.number("hangup-after", command: "simulate-call", range: 0...3600) {
            call.hangupAt = .milliseconds(Int64(seconds * 1000))
        }
        let timeout = try options.integer("timeout", command: "simulate-call", range: 1...3600) ?? 300
        let transcript: CallTranscript
        do {
            transcript = try await FakeAsterisk(call: call).place(to: address, timeout: .seconds(timeout))
        } catch {
            throw RuntimeFailure("simulate-call: cannot reach \(address): \(error)")
        }
        print(TranscriptPrinter.dialogue(transcript))
        print(TranscriptPrinter.variables(transcript))
        return 0
    }

    /// `agi://host[:port]/script?query` -> address (default port 4573) and `script?query`.
    static func parse(_ url: String) throws -> (SocketAddress, String) {
        guard url.hasPrefix("agi://") else { throw UsageError("simulate-call: --agi must start with agi://") }
        let rest = url.dropFirst("agi://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var hostPort = String(rest[..<slash])
        let script = slash < rest.endIndex ? String(rest[rest.index(after: slash)...]) : ""
        if !hostPort.contains("]:") && (hostPort.hasPrefix("[") || hostPort.split(separator: ":").count != 2) {
            hostPort += ":4573"
        }
        do {
            return (try SocketAddress.parse(hostPort), script)
        } catch {
            throw UsageError("simulate-call: '\(hostPort)' is not HOST:PORT (no DNS names besides localhost)")
        }
    }
}
