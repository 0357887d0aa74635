import Foundation
import CIBA

/// Builds the connection part of `provider` (trust, mutual TLS, proxy, TLS version) for
/// `ProviderLoader`: `caFile`, `caDirectory`, `clientCertificateFile`, `clientKeyFile`,
/// `proxy`, `proxyCredentialsFile`, `tlsMinimumVersion`, `maxConnections`.
///
/// Files are checked here (readable, PEM) so a typo is a configuration problem at start-up,
/// not a TLS failure on the first call. Secrets (the proxy password) never appear in a problem.
enum ProviderTransportLoader {
    static let keys = ["caFile", "caDirectory", "clientCertificateFile", "clientKeyFile", "proxy", "proxyCredentialsFile", "tlsMinimumVersion",
                       "maxConnections"]

    static func build(_ p: [String: ConfigValue], baseDirectory: String, reader: inout ConfigReader) -> TransportSettings {
        var settings = TransportSettings()
        settings.caFile = pemFile(p, "caFile", containing: "CERTIFICATE", what: "a PEM CA certificate", baseDirectory, &reader)
        if let directory = reader.string(p, "caDirectory", path: "provider").map({ ConfigurationLoader.resolve($0, baseDirectory) }) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue {
                settings.caDirectory = directory
            } else {
                reader.problem("provider.caDirectory", "\(directory) is not a directory (hashed CA certificates, see c_rehash)")
            }
        }
        settings.clientCertificateFile = pemFile(p, "clientCertificateFile", containing: "CERTIFICATE", what: "a PEM certificate", baseDirectory, &reader)
        settings.clientKeyFile = pemFile(p, "clientKeyFile", containing: "PRIVATE KEY", what: "a PEM private key", baseDirectory, &reader)
        if settings.clientKeyFile != nil && p["clientCertificateFile"] == nil {
            reader.problem("provider.clientKeyFile", "set without provider.clientCertificateFile")
        }
        if let certificate = settings.clientCertificateFile, p["clientKeyFile"] == nil {
            // A combined PEM (certificate + key in one file) is fine; anything else needs the key.
            let text = (FileManager.default.contents(atPath: certificate)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            if text.contains("ENCRYPTED PRIVATE KEY") || !text.contains("PRIVATE KEY") {
                reader.problem("provider.clientKeyFile", "missing: provider.clientCertificateFile needs its (unencrypted) PEM private key")
            }
        }
        if let text = reader.string(p, "proxy", path: "provider") {
            settings.proxy = proxy(text, reader: &reader)
        }
        if let file = reader.string(p, "proxyCredentialsFile", path: "provider").map({ ConfigurationLoader.resolve($0, baseDirectory) }) {
            settings.proxyCredentials = proxyCredentials(file, reader: &reader)
        }
        switch reader.string(p, "tlsMinimumVersion", path: "provider") ?? "1.2" {
        case "1.2": settings.tlsMinimumVersion = .v1_2
        case "1.3": settings.tlsMinimumVersion = .v1_3
        case let other:
            reader.problem("provider.tlsMinimumVersion", "\"\(other)\" is not supported (\"1.2\" or \"1.3\")")
        }
        if let connections = reader.integer(p, "maxConnections", path: "provider", range: TransportSettings.maxConnectionsPerHostRange) {
            settings.maxConnectionsPerHost = connections
        }
        return settings
    }

    /// A readable file that contains `-----BEGIN ...marker`.
    static func pemFile(_ p: [String: ConfigValue], _ key: String, containing marker: String, what: String,
                        _ baseDirectory: String, _ reader: inout ConfigReader, section: String = "provider") -> String? {
        guard let path = reader.string(p, key, path: section).map({ ConfigurationLoader.resolve($0, baseDirectory) }) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "does not exist"
            reader.problem("\(section).\(key)", "\(path) \(reason)")
            return nil
        }
        let text = String(decoding: data, as: UTF8.self)
        guard text.contains("-----BEGIN "), text.contains(marker + "-----") else {
            reader.problem("\(section).\(key)", "\(path) does not contain \(what)")
            return nil
        }
        if marker == "PRIVATE KEY" && text.contains("ENCRYPTED PRIVATE KEY") {
            reader.problem("\(section).\(key)", "\(path) is encrypted; the key must be unencrypted PEM (protect it with file permissions)")
            return nil
        }
        return path
    }

    /// `http://host:port` or `https://host:port`; no credentials, path or query in the URL.
    static func proxy(_ text: String, reader: inout ConfigReader) -> URL? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            reader.problem("provider.proxy", "\"\(SafeProblemText.url(text))\" is not an absolute URL (http://host:port or https://host:port)")
            return nil
        }
        guard scheme == "http" || scheme == "https" else {
            reader.problem("provider.proxy", "scheme \(scheme) is not supported (http:// or https:// proxy)")
            return nil
        }
        guard url.user == nil, url.password == nil else {
            reader.problem("provider.proxy", "credentials in the URL are refused: put user:password in provider.proxyCredentialsFile")
            return nil
        }
        guard url.path.isEmpty || url.path == "/", url.query == nil else {
            reader.problem("provider.proxy", "a proxy URL has no path or query (http://host:port)")
            return nil
        }
        return url
    }

    /// One line `user:password` (trailing newline and spaces trimmed).
    static func proxyCredentials(_ file: String, reader: inout ConfigReader) -> String? {
        guard let data = FileManager.default.contents(atPath: file) else {
            let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read (permissions?)" : "does not exist"
            reader.problem("provider.proxyCredentialsFile", "\(file) \(reason)")
            return nil
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, !text.contains("\n") else {
            reader.problem("provider.proxyCredentialsFile", "\(file) must hold one line user:password")
            return nil
        }
        return text
    }
}

/// Problem texts quote configuration values; a URL may carry a password.
enum SafeProblemText {
    static func url(_ text: String) -> String {
        guard let at = text.firstIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at else { return text }
        return String(text[..<scheme.upperBound]) + "…@" + String(text[text.index(after: at)...])
    }
}
