import Foundation
import Sockets

/// The agent desk's keys (`agentListen`, `agentsFile`, `agentTLSCertificateFile`,
/// `agentTLSKeyFile`, `agentPageDirectory`, `agentSessionHours`, `agentIdleMinutes`).
/// The desk is off when `agentListen` is absent or null.
public struct AgentDeskSettings: Sendable, Equatable {
    public var listen: SocketAddress
    public var agentsFile: String
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// Where the page files are; nil searches the installed and source locations.
    public var pageDirectory: String?
    public var sessionHours: Int
    public var idleMinutes: Int

    public init(listen: SocketAddress, agentsFile: String, tlsCertificateFile: String? = nil, tlsKeyFile: String? = nil,
                pageDirectory: String? = nil, sessionHours: Int = 8, idleMinutes: Int = 30) {
        self.listen = listen
        self.agentsFile = agentsFile
        self.tlsCertificateFile = tlsCertificateFile
        self.tlsKeyFile = tlsKeyFile
        self.pageDirectory = pageDirectory
        self.sessionHours = sessionHours
        self.idleMinutes = idleMinutes
    }

    /// True when the desk serves TLS itself.
    public var servesTLS: Bool { tlsCertificateFile != nil }
}

enum AgentDeskLoader {
    static let keys = ["agentListen", "agentsFile", "agentTLSCertificateFile", "agentTLSKeyFile", "agentPageDirectory",
                       "agentSessionHours", "agentIdleMinutes"]

    /// Never open: plain HTTP only on loopback (behind a TLS reverse proxy), else both TLS files.
    static func build(_ top: [String: ConfigValue], baseDirectory: String, reader: inout ConfigReader) -> AgentDeskSettings? {
        guard let listenText = reader.string(top, "agentListen", path: "") else {
            for key in keys.dropFirst() where top[key] != nil && top[key] != .null {
                reader.problem(key, "set, but agentListen is not: the agent desk is off (set agentListen or remove \(key))")
            }
            return nil
        }
        let listen: SocketAddress
        do { listen = try SocketAddress.parse(listenText) } catch {
            reader.problem("agentListen", "\"\(listenText)\" is not a listen address (expected HOST:PORT, e.g. 127.0.0.1:8443)")
            return nil
        }
        guard let agentsFileText = reader.string(top, "agentsFile", path: "") else {
            reader.problem("agentsFile", "missing: the agent desk needs an agents file (create it with ciba-agi agent-passwd NAME --agents-file FILE)")
            return nil
        }
        let agentsFile = ConfigurationLoader.resolve(agentsFileText, baseDirectory)
        if !FileManager.default.isReadableFile(atPath: agentsFile) {
            reader.problem("agentsFile", "\(agentsFile) is missing or unreadable (create it with ciba-agi agent-passwd NAME --agents-file \(agentsFile))")
        }
        let certificate = reader.string(top, "agentTLSCertificateFile", path: "").map { ConfigurationLoader.resolve($0, baseDirectory) }
        let key = reader.string(top, "agentTLSKeyFile", path: "").map { ConfigurationLoader.resolve($0, baseDirectory) }
        switch (certificate, key) {
        case (nil, nil):
            if !listen.isLoopback {
                reader.problem("agentListen", "\(listen) is not a loopback address and no TLS is configured: the desk would send passwords in clear (set agentTLSCertificateFile and agentTLSKeyFile, or listen on 127.0.0.1 behind a TLS reverse proxy, see docs/agent-desk.md)")
            }
        case (.some, nil): reader.problem("agentTLSKeyFile", "missing: agentTLSCertificateFile needs its key")
        case (nil, .some): reader.problem("agentTLSCertificateFile", "missing: agentTLSKeyFile needs its certificate")
        case (.some(let certificate), .some(let key)):
            for (name, file) in [("agentTLSCertificateFile", certificate), ("agentTLSKeyFile", key)] where !FileManager.default.isReadableFile(atPath: file) {
                reader.problem(name, "\(file) is missing or unreadable")
            }
        }
        let page = reader.string(top, "agentPageDirectory", path: "").map { ConfigurationLoader.resolve($0, baseDirectory) }
        let hours = reader.integer(top, "agentSessionHours", path: "", range: 1...24) ?? 8
        let idle = reader.integer(top, "agentIdleMinutes", path: "", range: 1...480) ?? 30
        return AgentDeskSettings(listen: listen, agentsFile: agentsFile, tlsCertificateFile: certificate, tlsKeyFile: key,
                                 pageDirectory: page, sessionHours: hours, idleMinutes: idle)
    }
}
