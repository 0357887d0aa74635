import Foundation
import CIBASimulator
import Sockets
import StructuredLogging

/// `ciba-agi mock-provider [--listen ADDR]`: the built-in simulated CIBA provider alone, for
/// trying a real Asterisk without an eID account. Runs until SIGTERM/SIGINT.
enum MockProviderCommand {
    static let help = """
    usage: ciba-agi mock-provider [--listen ADDR] [--interval SECONDS]

    Runs the simulated Idura-like CIBA provider (discovery, JWKS, bc-authorize, token) on
    ADDR (default 127.0.0.1:8480) until SIGTERM/SIGINT. Point provider.issuer at the printed
    issuer; the client id and secret are the simulator's fixed demo credentials.
    Test persons: see `ciba-agi demo --help` and the documentation.
    """

    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try ParsedArguments.parse(arguments, command: "mock-provider", valueOptions: ["listen", "interval"])
        if options.wantsHelp { print(help); return 0 }
        let text = options.values["listen"] ?? "127.0.0.1:8480"
        let address: SocketAddress
        do { address = try SocketAddress.parse(text) } catch {
            throw UsageError("mock-provider: --listen \(text) is not an address (HOST:PORT)")
        }
        var configuration = SimulatorConfiguration.demo
        configuration.interval = try options.integer("interval", command: "mock-provider", range: 1...60) ?? 3
        let logger = Logger(handler: StderrLogHandler(), level: .info).with("component", "mock-provider")
        let provider = SimulatedProvider(configuration: configuration, logger: logger)
        let signals = SignalWaiter()
        let issuer: URL
        do {
            issuer = try provider.start(listen: address)
        } catch {
            throw RuntimeFailure("mock-provider: cannot listen on \(text): \(error)")
        }
        print("""
        simulated CIBA provider running (SIGINT/SIGTERM stops it)
          issuer:        \(issuer.absoluteString)
          client id:     \(configuration.clientID)
          client secret: \(configuration.clientSecret ?? "-")   (the simulator's fixed demo credential)
          clientAuth:    client_secret_basic, client_secret_post
          test persons:  \(SimulatedPerson.catalog.count) (documented in docs/operations.md; e.g. the Swedish BankID test person Terne Paulsen)
        """)
        fflush(nil)   // the banner must appear at once even when stdout is a file or pipe
        let received = await signals.wait()
        signals.cancel()
        logger.notice("mock_provider.signal", ["signal": received == SIGTERM ? "SIGTERM" : "SIGINT"])
        await provider.shutdown()
        return 0
    }
}
