import Foundation
import AGI
import AGITesting
import CallerAuth
import CIBA
import CIBASimulator
import Sockets
import StructuredLogging

/// `ciba-agi demo [--number N] [--profile P]`: the whole flow on this machine with no
/// Asterisk and no eID account. Exits 0 when the call ends VERIFIED.
enum DemoCommand {
    static let help = """
    usage: ciba-agi demo [--number N] [--profile se-bankid|no-bankid|se-frejaid] [--verbose]
                         [--expires-in SECONDS] [--timeout SECONDS]
           ciba-agi demo --agent [--listen 127.0.0.1:8470] [--verbose]

    Starts the built-in simulated CIBA provider and the FastAGI server on free loopback
    ports, places one simulated call that keys in N and prints the AGI dialogue, the
    provider exchanges, the prompts played and the final channel variables.
    Default: the Swedish BankID test person (Terne Paulsen); --profile no-bankid uses the
    Norwegian test person (word pair). Other simulated outcomes: see docs/operations.md.
    --verbose also prints the server's log lines. Exit 0 when VERIFIED, 1 otherwise.
    --expires-in: the simulated requests' expiry (default 20 s, 5-600), so the persons who never
    answer end EXPIRED (199002029826) or provider_unreachable (199009099897) within the call;
    --timeout: how long the simulated call may take (default expiry + 30 s, 10-900).

    --agent instead runs the agent desk (page and API) with the simulated provider on
    loopback and prints a one-time login, until Ctrl-C: verify a test person from a browser.
    """

    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try ParsedArguments.parse(arguments, command: "demo", valueOptions: ["number", "profile", "listen", "expires-in", "timeout"], flagOptions: ["verbose", "agent"])
        if options.wantsHelp { print(help); return 0 }
        if options.flags.contains("agent") { return try await DemoDeskCommand.run(options) }
        let profiles = SimulatedSetup.profiles
        let profileName = options.values["profile"] ?? "se-bankid"
        guard let profile = profiles[profileName] else {
            throw UsageError("demo: unknown profile '\(profileName)' (\(profiles.keys.sorted().joined(separator: ", ")))")
        }
        let number = options.values["number"] ?? SimulatedSetup.demoNumber(for: profile)
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw UsageError("demo: --number takes digits only")
        }

        let expiresIn = try seconds(options.values["expires-in"], option: "--expires-in", default: 20, range: 5...600)
        let timeout = try seconds(options.values["timeout"], option: "--timeout", default: expiresIn + 30, range: 10...900)

        let logs = InMemoryLogHandler()
        let logger = Logger(handler: logs, level: .info)
        var simulatorConfiguration = SimulatorConfiguration.demo
        simulatorConfiguration.interval = 1
        simulatorConfiguration.expiresIn = expiresIn
        let provider = SimulatedProvider(configuration: simulatorConfiguration, logger: logger.with("component", "simulator"))
        let issuer: URL
        do { issuer = try provider.start(listen: try SocketAddress.parse("127.0.0.1:0")) } catch {
            throw RuntimeFailure("demo: cannot start the simulated provider: \(error)")
        }
        let audit = InMemoryAuditSink()
        let server: CallerAuthServer
        let agiAddress: SocketAddress
        do {
            let configuration = try SimulatedSetup.configuration(issuer: issuer)
            server = try CallerAuthServer(configuration: configuration, logger: logger.with("component", "ciba-agi"), audit: audit)
            guard let address = try server.start().agi.first else { throw RuntimeFailure("no listen address") }
            agiAddress = address
        } catch {
            await provider.shutdown()
            throw RuntimeFailure("demo: cannot start the server: \(error)")
        }

        print("ciba-agi demo: simulated provider \(issuer.absoluteString), FastAGI server \(agiAddress), profile \(profileName)")
        print("The caller keys in \(NumberRedaction.redact(number))# (shown masked, as everywhere in ciba-agi output).\n")
        let call = FakeCall(
            script: "caller-auth", arguments: [profileName],
            environment: ["agi_callerid": "+46701234567", "agi_calleridname": "Demo Caller",
                          "agi_language": profile.numberKind == .noFodselsnummer ? "nb" : "sv"],
            keypresses: [FakeKeypress(at: .seconds(3), digits: number + "#", gap: .milliseconds(150))],
            timeScale: 0.25)
        let transcript: CallTranscript
        do {
            transcript = try await FakeAsterisk(call: call).place(to: agiAddress, timeout: .seconds(timeout))
        } catch {
            await server.shutdown(drainTimeout: .seconds(1))
            await provider.shutdown()
            throw RuntimeFailure("demo: the simulated call failed: \(error)")
        }
        await server.shutdown(drainTimeout: .seconds(5))
        let requests = provider.requests
        await provider.shutdown()

        print(TranscriptPrinter.dialogue(transcript))
        print("== Provider exchanges (as the simulated provider saw them) ==")
        for request in requests { print("  " + NumberRedaction.redact(request.description)) }
        print("")
        print(TranscriptPrinter.prompts(transcript))
        print(TranscriptPrinter.variables(transcript))
        if let record = audit.records.first {
            print("== Audit record ==\n  \(record.jsonLine)\n")
        }
        if options.flags.contains("verbose") {
            print("== Server log ==")
            for line in logs.lines { print("  " + NumberRedaction.redact(line)) }
            print("")
        }
        let status = transcript.variables["CIBA_STATUS"] ?? "(not set)"
        print("Result: CIBA_STATUS=\(status)" + (status == "VERIFIED" ? "" : " CIBA_ERROR=\(transcript.variables["CIBA_ERROR"] ?? "")"))
        return status == "VERIFIED" ? 0 : 1
    }

    /// A whole number of seconds within `range` (the option is peer input too: no trap on 99999999999999999999).
    static func seconds(_ text: String?, option: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("demo: \(option) takes whole seconds from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
