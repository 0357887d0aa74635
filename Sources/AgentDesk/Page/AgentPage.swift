import Foundation
import HTTPServer

/// The agent page's files (HTML, CSS, JavaScript; no build step), read into memory at
/// startup so a missing installation is a startup error, not a broken page later.
///
/// Where they come from, first found wins:
/// 1. `agentPageDirectory` in the configuration;
/// 2. `../share/ciba-agi/agent-page` beside the executable (a relocated install);
/// 3. `/usr/share/ciba-agi/agent-page` (the .deb);
/// 4. `Sources/AgentDesk/AgentPage` of the source tree this binary was built from
///    (`swift run`, the tests).
/// Only the fixed file list below is served, so no request path reaches the file system.
public struct AgentPage: Sendable {
    public static let files: [String: String] = [
        "index.html": "text/html; charset=utf-8",
        "desk.css": "text/css; charset=utf-8",
        "desk.js": "text/javascript; charset=utf-8",
        "i18n.js": "text/javascript; charset=utf-8",
        "check-digits.js": "text/javascript; charset=utf-8",
        "openapi.json": "application/json",
    ]
    public static let installedDirectory = "/usr/share/ciba-agi/agent-page"

    public let directory: String
    let contents: [String: [UInt8]]

    /// Candidate directories in search order.
    public static func candidates(configured: String?) -> [String] {
        var list: [String] = []
        if let configured { list.append(configured) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "/").resolvingSymlinksInPath()
        list.append(executable.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/ciba-agi/agent-page").path)
        list.append(installedDirectory)
        list.append(sourceDirectory)
        return list
    }

    /// The page files in the source tree (`#filePath` is this file's path at build time).
    public static var sourceDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("AgentPage").path
    }

    /// Loads from the first candidate that has every file; a configured directory must work.
    public static func locate(configured: String?) throws -> AgentPage {
        if let configured { return try AgentPage(directory: configured) }
        for directory in candidates(configured: nil) {
            if let page = try? AgentPage(directory: directory) { return page }
        }
        throw AgentPageError("the agent page files were not found in \(candidates(configured: nil).joined(separator: ", ")) (install them or set agentPageDirectory)")
    }

    public init(directory: String) throws {
        var contents: [String: [UInt8]] = [:]
        for name in Self.files.keys {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw AgentPageError("\(directory)/\(name): missing or unreadable")
            }
            contents[name] = [UInt8](data)
        }
        self.directory = directory
        self.contents = contents
    }

    /// The file for a request path (`/` is `index.html`, `/api/openapi.json` the API
    /// description), nil for anything else.
    func response(path: String) -> HTTPResponse? {
        let name = path == "/" ? "index.html" : path == "/api/openapi.json" ? "openapi.json" : String(path.dropFirst())
        guard name != "openapi.json" || path == "/api/openapi.json" else { return nil }
        guard let type = Self.files[name], let body = contents[name] else { return nil }
        return HTTPResponse(status: 200, headers: [("Content-Type", type)], body: body)
    }
}

/// The page files cannot be loaded.
public struct AgentPageError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
