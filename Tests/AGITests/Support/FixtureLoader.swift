import Foundation
import Testing

/// One recorded FastAGI session from `Tests/AGITests/Fixtures/asterisk/` (copied from a real
/// Asterisk 22 run; see the README there).
struct Fixture: Sendable, CustomStringConvertible {
    enum Direction: Sendable { case fromAsterisk, fromServer }
    struct Line: Sendable {
        var direction: Direction
        var text: String
        var milliseconds: Double
    }

    var name: String
    var lines: [Line]
    var notes: [String]
    /// `#= KEY=VALUE` (the dialplan's result file).
    var results: [String: String]

    var description: String { name }

    /// The environment block: the `<<` lines up to the first empty one.
    var environmentLines: [String] {
        var out: [String] = []
        for line in lines {
            guard line.direction == .fromAsterisk else { break }
            if line.text.isEmpty { break }
            out.append(line.text)
        }
        return out
    }

    /// Everything after the environment block.
    var protocolLines: [Line] {
        guard let end = lines.firstIndex(where: { $0.direction == .fromAsterisk && $0.text.isEmpty }) else { return [] }
        return Array(lines[(end + 1)...])
    }

    var serverLines: [String] { lines.filter { $0.direction == .fromServer }.map(\.text) }

    var hasTranscript: Bool { !lines.isEmpty }
}

enum FixtureError: Error, CustomStringConvertible {
    case folderMissing(String)
    case badLine(String, Int)
    var description: String {
        switch self {
        case .folderMissing(let path): "fixtures not found: \(path) (the recordings belong in Tests/AGITests/Fixtures/asterisk)"
        case .badLine(let file, let n): "\(file):\(n): a protocol line does not match the README's regex"
        }
    }
}

enum FixtureLoader {
    /// `Tests/AGITests/Fixtures/asterisk/`, found from this source file so a fresh clone in any
    /// folder works (no path outside the repository).
    static func folder() throws -> URL {
        let folder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // AGITests
            .appendingPathComponent("Fixtures/asterisk", isDirectory: true)
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("README.md").path) else {
            throw FixtureError.folderMissing(folder.path)
        }
        return folder
    }

    static func all() throws -> [Fixture] {
        let dir = try folder()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".txt") && $0.first?.isNumber == true }
            .sorted()
        return try names.map { try load(dir.appendingPathComponent($0)) }
    }

    static func named(_ prefix: String) throws -> Fixture {
        guard let fixture = try all().first(where: { $0.name.hasPrefix(prefix) }) else {
            throw FixtureError.folderMissing("fixture \(prefix)")
        }
        return fixture
    }

    static func load(_ url: URL) throws -> Fixture {
        let text = try String(contentsOf: url, encoding: .utf8)
        let regex = try Regex(#"^(<<|>>) \[ *([0-9.]+) ms\](?: (.*))?$"#)
        var fixture = Fixture(name: url.deletingPathExtension().lastPathComponent, lines: [], notes: [], results: [:])
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.hasPrefix("<<") || line.hasPrefix(">>") {
                guard let match = try regex.wholeMatch(in: line) else { throw FixtureError.badLine(fixture.name, number + 1) }
                let direction: Fixture.Direction = match.output[1].substring == "<<" ? .fromAsterisk : .fromServer
                let ms = Double(match.output[2].substring.map(String.init) ?? "0") ?? 0
                let content = match.output[3].substring.map(String.init) ?? ""
                fixture.lines.append(.init(direction: direction, text: content, milliseconds: ms))
            } else if line.hasPrefix("#= ") {
                let body = line.dropFirst(3)
                if let eq = body.firstIndex(of: "=") {
                    fixture.results[String(body[..<eq])] = String(body[body.index(after: eq)...])
                }
            } else if line.hasPrefix("# [") {
                fixture.notes.append(line)
            }
        }
        return fixture
    }
}

@Suite struct FixtureLoaderTests {
    @Test func fixturesFolderExistsAndEveryFileParses() throws {
        let fixtures = try FixtureLoader.all()
        #expect(fixtures.count >= 20)
        #expect(fixtures.filter(\.hasTranscript).count >= 19)
        let first = try FixtureLoader.named("01_")
        #expect(first.environmentLines.contains("agi_accountcode: "))
        #expect(first.results["AGISTATUS"] == "FAILURE")
    }
}
