import Foundation
import CIBASimulator
import CallerAuth
import Sockets
import StructuredLogging

/// `ciba-agi mock-provider [--listen ADDR] [--tls DIR [--client-auth MODE]]`: the built-in
/// simulated CIBA provider alone, for trying a real Asterisk without an eID account, over http
/// or https (test PKI in DIR, see `MockProviderTLS`). Runs until SIGTERM/SIGINT.
enum MockProviderCommand {
    static let help = """
    usage: ciba-agi mock-provider [--listen ADDR] [--interval SECONDS] [--client-key DIR]
                                  [--client-public-key PEM[,PEM...]] [--approve-after-polls N]
                                  [--tls DIR [--client-auth tls_client_auth|self_signed_tls_client_auth]]

    Runs the simulated Idura-like CIBA provider (discovery, JWKS, bc-authorize, token) on
    ADDR (default 127.0.0.1:8480) until SIGTERM/SIGINT. Point provider.issuer at the printed
    issuer; the client id and secret are the simulator's fixed demo credentials.

    --tls DIR      serve https with a test CA and server certificate kept in DIR (made on the
                   first start, reused afterwards); prints a provider block with caFile.
    --client-auth  also require a client certificate (RFC 8705): tls_client_auth (a certificate
                   from DIR's CA, matched by subject DN) or self_signed_tls_client_auth (a
                   self-signed one, matched by thumbprint). The block names the files to use.
    --client-key DIR  also accept private_key_jwt with the RSA key DIR/client-key.pem (made on
                   the first start, reused afterwards); prints its public JWK and a provider block.
    --client-public-key  accept private_key_jwt assertions signed by these keys (PEM public
                   keys or certificates, RSA or P-256); each key's kid is its file name
                   without .pem (set provider.keyId to it).
    --approve-after-polls  the demo person Terne Paulsen (196802020575) approves after N
                   pending polls instead of 2 (0-100000; the flow benchmark keeps calls waiting).
    Test persons: see `ciba-agi demo --help` and the documentation.
    """

    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try ParsedArguments.parse(arguments, command: "mock-provider",
                                                valueOptions: ["listen", "interval", "tls", "client-auth", "client-key", "client-public-key", "approve-after-polls"])
        if options.wantsHelp { print(help); return 0 }
        let text = options.values["listen"] ?? "127.0.0.1:8480"
        let address: SocketAddress
        do { address = try SocketAddress.parse(text) } catch {
            throw UsageError("mock-provider: --listen \(text) is not an address (HOST:PORT)")
        }
        var configuration = SimulatorConfiguration.demo
        configuration.interval = try options.integer("interval", command: "mock-provider", range: 1...60) ?? 3
        try registerClientKeys(options, configuration: &configuration)
        if let polls = try options.integer("approve-after-polls", command: "mock-provider", range: 0...100_000) {
            configuration.setDemoPersonApproval(afterPolls: polls)
        }
        let tls = try prepareTLS(options, configuration: &configuration)
        let clientKey = try options.values["client-key"].map { try MockProviderClientKey.prepare(directory: $0, configuration: &configuration) }
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
          client secret: \(configuration.allowedClientAuthMethods.contains(.clientSecretBasic) ? configuration.clientSecret ?? "-" : "- (the client certificate authenticates)")   (the simulator's fixed demo credential)
          clientAuth:    \(configuration.allowedClientAuthMethods.map(\.rawValue).sorted().joined(separator: ", "))
          test persons:  \(SimulatedPerson.catalog.count) (documented in docs/operations.md; e.g. the Swedish BankID test person Terne Paulsen)
        """)
        if let tls {
            print(tls.banner(issuer: issuer, clientID: configuration.clientID, clientSecret: configuration.clientSecret))
        }
        if let clientKey { print(clientKey.banner(issuer: issuer, clientID: configuration.clientID)) }
        fflush(nil)   // the banner must appear at once even when stdout is a file or pipe
        let received = await signals.wait()
        signals.cancel()
        logger.notice("mock_provider.signal", ["signal": received == SIGTERM ? "SIGTERM" : "SIGINT"])
        await provider.shutdown()
        return 0
    }

    /// `--client-public-key PEM[,PEM...]`: public keys for `private_key_jwt`, kid = file name without `.pem`.
    static func registerClientKeys(_ options: ParsedArguments, configuration: inout SimulatorConfiguration) throws {
        guard let list = options.values["client-public-key"] else { return }
        for path in list.split(separator: ",").map(String.init) {
            do {
                try configuration.registerClientPublicKey(file: path)
            } catch {
                throw UsageError("mock-provider: --client-public-key \(path): not a readable PEM public key or certificate (\(error))")
            }
        }
    }

    /// `--tls DIR` / `--client-auth MODE`: the PKI, applied to the simulator configuration.
    static func prepareTLS(_ options: ParsedArguments, configuration: inout SimulatorConfiguration) throws -> MockProviderTLS? {
        let modeText = options.values["client-auth"]
        guard let directory = options.values["tls"] else {
            if modeText != nil { throw UsageError("mock-provider: --client-auth needs --tls DIR") }
            return nil
        }
        guard !directory.isEmpty else { throw UsageError("mock-provider: --tls needs a directory") }
        let mode: MockProviderTLS.ClientCertificateMode
        switch modeText {
        case nil: mode = .none
        case let text?:
            guard let parsed = MockProviderTLS.ClientCertificateMode(rawValue: text), parsed != .none else {
                throw UsageError("mock-provider: --client-auth \(text) is not tls_client_auth or self_signed_tls_client_auth")
            }
            mode = parsed
        }
        do {
            let tls = try MockProviderTLS.prepare(directory: directory, mode: mode)
            try tls.apply(to: &configuration)
            return tls
        } catch {
            throw RuntimeFailure("mock-provider: --tls \(directory): \(error)")
        }
    }
}
