import Foundation
import Testing

/// Runs the built `ciba-agi` executable with output captured in files (no pipe can fill up).
final class Subprocess: @unchecked Sendable {
    let process = Process()
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

    init(_ arguments: [String], environment: [String: String] = [:], directory: String) throws {
        stdoutPath = directory + "/out-\(UUID().uuidString).txt"
        stderrPath = directory + "/err-\(UUID().uuidString).txt"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = try Subprocess.binary()
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("CIBA_AGI_") { env.removeValue(forKey: key) }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits for exit (at most `timeout`; then kills it and throws).
    @discardableResult
    func wait(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.interrupt()
                kill(process.processIdentifier, SIGKILL)
                throw SubprocessError(message: "ciba-agi \(process.arguments ?? []) did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationStatus
    }

    func terminate() { process.terminate() }

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
