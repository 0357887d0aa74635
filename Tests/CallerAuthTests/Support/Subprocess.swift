import Foundation
import Testing
import ProcessSpawning

/// Runs the built `ciba-agi` executable with output captured in files (no pipe can fill up).
final class Subprocess: @unchecked Sendable {
    let process: SpawnedProcess
    let arguments: [String]
    let stdoutPath: String
    let stderrPath: String

    /// The `ciba-agi` binary next to the test bundle, else in `.build/debug`.
    static func binary() throws -> URL {
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            var directory = URL(fileURLWithPath: first).deletingLastPathComponent()
            if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
            candidates.append(directory.appendingPathComponent("ciba-agi"))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/ciba-agi"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw SubprocessError(message: "ciba-agi binary not found in \(candidates.map(\.path))")
        }
        return found
    }

    /// Starts `ciba-agi ARGUMENTS` (posix_spawn: Foundation's Process.run crashes on Linux).
    init(_ arguments: [String], environment: [String: String] = [:], directory: String) throws {
        self.arguments = arguments
        stdoutPath = directory + "/out-\(UUID().uuidString).txt"
        stderrPath = directory + "/err-\(UUID().uuidString).txt"
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("CIBA_AGI_") { env.removeValue(forKey: key) }
        for (key, value) in environment { env[key] = value }
        process = try SpawnedProcess.spawn([try Subprocess.binary().path] + arguments, environment: env,
                                           directory: directory, stdout: .file(stdoutPath), stderr: .file(stderrPath))
    }

    var isRunning: Bool { process.isRunning }

    /// Waits for exit (at most `timeout`; then kills it and throws).
    @discardableResult
    func wait(timeout: Duration = .seconds(60)) async throws -> Int32 {
        do {
            return try await process.wait(timeout: timeout)
        } catch {
            throw SubprocessError(message: "ciba-agi \(arguments) did not exit within \(timeout)")
        }
    }

    /// SIGTERM, as systemd sends it.
    func terminate() { process.signal(SIGTERM) }

    func kill() { process.signal(SIGKILL) }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Runs to completion and returns (status, stdout, stderr).
    static func run(_ arguments: [String], environment: [String: String] = [:], directory: String,
                    timeout: Duration = .seconds(60)) async throws -> (Int32, String, String) {
        let child = try Subprocess(arguments, environment: environment, directory: directory)
        let status = try await child.wait(timeout: timeout)
        return (status, child.stdout, child.stderr)
    }
}

struct SubprocessError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// A fresh temporary directory.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "ciba-agi-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
