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
    /// TLS to the manager port (`ami.tls`); required when `host` is not loopback.
    public var tls: AMITLSSettings?

    public init(address: SocketAddress, username: String, secret: AMISecret, tls: AMITLSSettings? = nil) {
        self.address = address
        self.username = username
        self.secret = secret
        self.tls = tls
    }

    /// The AMI client's configuration (event mask `call,user`: Hangup and UserEvent).
    public var clientConfiguration: AMIClientConfiguration {
        var configuration = AMIClientConfiguration(address: address, username: username, secret: secret)
        configuration.tls = tls
        return configuration
    }
}

/// Reads `ami`: `host` (IP address or `localhost`, default 127.0.0.1), `port` (default 5038),
/// `username`, `secretFile`; the environment variable `CIBA_AGI_AMI_SECRET` wins over the file.
///
/// The manager protocol sends the secret and every event in clear, so a host that is not
/// loopback needs `tls` (`{"caFile": PEM of the CA that signed Asterisk's tlscertfile,
/// "serverName": the name in that certificate}`; manager.conf `tlsenable=yes`, port 5039).
/// The certificate is always verified.
enum AMILoader {
    static let keys = ["host", "port", "username", "secretFile", "tls", "$comment"]
    static let tlsKeys = ["caFile", "serverName", "$comment"]
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
        var tls: AMITLSSettings?
        if let value = block["tls"], value != .null, let fields = reader.object(value, path: "ami.tls", allowed: tlsKeys) {
            var settings = AMITLSSettings()
            if let file = reader.string(fields, "caFile", path: "ami.tls").map({ ConfigurationLoader.resolve($0, baseDirectory) }) {
                if FileManager.default.isReadableFile(atPath: file) {
                    settings.caFile = file
                } else {
                    reader.problem("ami.tls.caFile", "\(file) \(FileManager.default.fileExists(atPath: file) ? "cannot be read (permissions?)" : "does not exist")")
                }
            }
            settings.serverName = reader.string(fields, "serverName", path: "ami.tls")
            tls = settings
        }
        if let address, !address.isLoopback, tls == nil {
            reader.problem("ami.host", "\(host) is not a loopback address: the manager protocol sends its secret in clear, so set ami.tls (manager.conf tlsenable=yes) or run ciba-agi on the Asterisk host with host 127.0.0.1")
        }
        let username = reader.string(block, "username", path: "ami") ?? ""
        if username.isEmpty || username.contains(where: { $0.isWhitespace || $0 == "[" || $0 == "]" }) {
            reader.problem("ami.username", "missing or not a manager.conf user name (the [section] in manager.conf, e.g. ciba-agi)")
        }
        let secret = secretValue(block, baseDirectory: baseDirectory, environment: environment, reader: &reader)
        guard let address, address.isLoopback || tls != nil, !username.isEmpty, let secret else { return nil }
        return AMISettings(address: address, username: username, secret: AMISecret(secret), tls: tls)
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
