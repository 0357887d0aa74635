import Foundation
import AMI
import Sockets

/// The `ami` block: how ciba-agi reaches Asterisk's manager port (queue mode's hang-up
/// events, `Setvar` of the result on the caller's channel, `UserEvent(CibaVerification)`).
///
/// Off when absent or null; queue mode then works by polling alone (asterisk/README.md).
public struct AMISettings: Sendable {
    /// The manager port (manager.conf `port`, default 5038).
    public var address: SocketAddress
    /// The manager.conf user section.
    public var username: String
    /// From `secretFile` (or `CIBA_AGI_AMI_SECRET`); its description is `***`.
    public var secret: AMISecret

    public init(address: SocketAddress, username: String, secret: AMISecret) {
        self.address = address
        self.username = username
        self.secret = secret
    }

    /// The AMI client's configuration (event mask `call,user`: Hangup and UserEvent).
    public var clientConfiguration: AMIClientConfiguration {
        AMIClientConfiguration(address: address, username: username, secret: secret)
    }
}

/// Reads `ami`: `host` (IP address or `localhost`, default 127.0.0.1), `port` (default 5038),
/// `username`, `secretFile`; the environment variable `CIBA_AGI_AMI_SECRET` wins over the file.
///
/// The manager protocol sends the secret and every event in clear, and this build speaks plain
/// TCP only, so a host that is not loopback is a configuration error: run ciba-agi on the
/// Asterisk host, or reach a remote manager port through a TLS tunnel ending on loopback.
enum AMILoader {
    static let keys = ["host", "port", "username", "secretFile", "$comment"]
    static let secretEnvironment = "CIBA_AGI_AMI_SECRET"

    static func build(_ top: [String: ConfigValue], baseDirectory: String, environment: [String: String],
                      reader: inout ConfigReader) -> AMISettings? {
        if top["ami"] == .null { return nil }
        guard let block = reader.object(top["ami"], path: "ami", allowed: keys) else { return nil }
        let host = reader.string(block, "host", path: "ami") ?? "127.0.0.1"
        let port = reader.integer(block, "port", path: "ami", range: 1...65_535) ?? 5038
        let literal = host.lowercased() == "localhost" ? "127.0.0.1" : host
        let bracketed = literal.contains(":") && !literal.hasPrefix("[") ? "[\(literal)]" : literal
        var address: SocketAddress? = nil
        do { address = try SocketAddress.parse("\(bracketed):\(port)") } catch {
            reader.problem("ami.host", "\"\(host)\" is not an IP address (e.g. 127.0.0.1 or ::1)")
        }
        if let address, !address.isLoopback {
            reader.problem("ami.host", "\(host) is not a loopback address: the manager protocol sends its secret in clear, so TLS is required beyond loopback and this version speaks plain TCP only (run ciba-agi on the Asterisk host with host 127.0.0.1, or tunnel the manager port over TLS to a loopback address)")
        }
        let username = reader.string(block, "username", path: "ami") ?? ""
        if username.isEmpty || username.contains(where: { $0.isWhitespace || $0 == "[" || $0 == "]" }) {
            reader.problem("ami.username", "missing or not a manager.conf user name (the [section] in manager.conf, e.g. ciba-agi)")
        }
        let secret = secretValue(block, baseDirectory: baseDirectory, environment: environment, reader: &reader)
        guard let address, address.isLoopback, !username.isEmpty, let secret else { return nil }
        return AMISettings(address: address, username: username, secret: AMISecret(secret))
    }

    private static func secretValue(_ block: [String: ConfigValue], baseDirectory: String, environment: [String: String],
                                    reader: inout ConfigReader) -> String? {
        let file = reader.string(block, "secretFile", path: "ami").map { ConfigurationLoader.resolve($0, baseDirectory) }
        if let env = environment[secretEnvironment], !env.isEmpty { return env }
        guard let file else {
            reader.problem("ami.secretFile", "missing: a file holding the manager user's secret= (or set \(secretEnvironment))")
            return nil
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read (permissions?)" : "does not exist"
            reader.problem("ami.secretFile", "\(file) \(reason)")
            return nil
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text.contains(where: { $0 == "\r" || $0 == "\n" }) {
            reader.problem("ami.secretFile", "\(file) must hold the secret on one line")
            return nil
        }
        return text
    }
}
