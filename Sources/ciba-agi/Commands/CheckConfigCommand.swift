import Foundation
import CallerAuth
import CIBA
import StructuredLogging

/// `ciba-agi check-config [--config FILE]`: validates the file, then asks the provider
/// (discovery, JWKS, a credential check that starts no authentication). One line per finding.
enum CheckConfigCommand {
    static let help = """
    usage: ciba-agi check-config [--config FILE]

    Validates the configuration (every problem, one line each, with its JSON path), fetches
    the provider's discovery document and JWKS, and checks the client credentials with a
    token request for a made-up auth_req_id (no user is bothered); with sharedState, connects to the store (TLS, password, PING).
    Exit 0 only when the configuration is usable; 2 when the file is invalid; 1 when the
    provider or the shared store cannot be used with it.
    """

    static let soundsDirectory = "/var/lib/asterisk/sounds"

    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try ParsedArguments.parse(arguments, command: "check-config", valueOptions: ["config"])
        if options.wantsHelp { print(help); return 0 }
        let path = options.values["config"] ?? ConfigurationLoader.defaultPath()
        guard let configuration = ConfigFile.load(path) else { return 2 }
        print("ok: \(path) is valid: \(configuration.profiles.count) profile(s) (\(configuration.profiles.keys.sorted().joined(separator: ", "))), default \(configuration.defaultProfile)")
        var usable = true
        for block in configuration.allowedClientsText where block.hasSuffix("/0") {
            print("warning: allowedClients contains \(block): anyone who can reach the port can run caller-auth (FastAGI has no authentication)")
        }
        for warning in configuration.startupWarnings { print("warning: \(warning)") }
        if let ops = configuration.opsListen, !ops.isLoopback {
            print("warning: opsListen \(ops) is not loopback: /metrics has no authentication, firewall it")
        }

        if let auditLog = configuration.auditLog {
            if AuditLogFile(path: auditLog).checkWritable() {
                print("ok: audit log \(auditLog) is writable")
            } else {
                print("problem: auditLog: cannot open \(auditLog) for appending")
                usable = false
            }
        } else {
            print("warning: auditLog is null: no audit records will be written")
        }

        if let shared = configuration.sharedState {
            for warning in shared.warnings { print("warning: \(warning)") }
            let check = await SharedStateConnection.checkConfiguration(shared)
            print(check.line)
            usable = usable && check.usable
        }

        // TLS and proxy problems first, in one line each (every later check would fail alike).
        if let problem = await ProviderConnectionCheck.problem(for: configuration.provider, timeout: .seconds(configuration.provider.requestTimeoutSeconds)) {
            print("problem: provider: \(problem)")
            print("configuration is NOT usable")
            return 1
        }

        let authenticator: BackchannelAuthenticator
        do {
            authenticator = try BackchannelAuthenticator(settings: configuration.provider.settings, clock: ContinuousClock(),
                                                         logger: .disabled)
        } catch {
            print("problem: provider: \(error)")
            return 1
        }
        do {
            let metadata = try await authenticator.metadata()
            print("ok: discovery: bc-authorize \(metadata.backchannelAuthenticationEndpoint.absoluteString), token \(metadata.tokenEndpoint.absoluteString)")
            if let methods = metadata.tokenEndpointAuthMethods, !methods.contains(configuration.provider.authenticationName) {
                print("warning: provider.clientAuth: the provider advertises \(methods.joined(separator: ", ")), not \(configuration.provider.authenticationName)")
            }
            if let modes = metadata.deliveryModes, !modes.contains("poll") {
                print("problem: the provider does not advertise CIBA poll mode (\(modes.joined(separator: ", ")))")
                usable = false
            }
        } catch {
            print("problem: discovery: \(error)")
            usable = false
        }
        if usable {
            do {
                let keys = try await authenticator.signingKeys()
                print("ok: JWKS: \(keys.keys.count) key(s)")
            } catch {
                print("problem: JWKS: \(error)")
                usable = false
            }
            switch await authenticator.checkCredentials() {
            case .accepted:
                print("ok: client credentials accepted (\(configuration.provider.authenticationName))")
            case .rejected(let reason):
                print("problem: client credentials rejected: \(reason)")
                usable = false
            case .unknown(let reason):
                print("warning: client credentials could not be confirmed: \(reason)")
            }
        }

        if let ami = configuration.ami {
            switch await AMIProbe.check(ami) {
            case .loggedIn(let version):
                print("ok: ami: logged in to \(ami.address) as \(ami.username) (manager protocol \(version))")
            case .failed(let reason):
                print("warning: ami: \(reason) (queue mode still works, by polling only: no hang-up cancel, no Setvar/UserEvent)")
            }
        }

        print("warning: install the prompts on every Asterisk: sounds/<en|sv|nb>/ciba/*.wav into \(soundsDirectory)/<lang>/ciba/ (a missing prompt makes AGISTATUS FAILURE)")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: soundsDirectory, isDirectory: &isDirectory), isDirectory.boolValue {
            for language in PromptLanguage.allCases {
                let missing = Prompt.allCases.filter { prompt in
                    !["wav", "gsm", "ulaw", "alaw", "sln", "g722"].contains { ext in
                        FileManager.default.fileExists(atPath: "\(soundsDirectory)/\(language.rawValue)/\(prompt.file).\(ext)")
                    }
                }
                if missing.isEmpty {
                    print("ok: prompts for \(language.rawValue) are installed in \(soundsDirectory)/\(language.rawValue)/ciba")
                } else {
                    print("warning: \(soundsDirectory)/\(language.rawValue)/ciba lacks \(missing.map(\.rawValue).joined(separator: ", "))")
                }
            }
        }
        print(usable ? "configuration is usable" : "configuration is NOT usable")
        return usable ? 0 : 1
    }
}
