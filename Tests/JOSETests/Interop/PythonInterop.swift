import Foundation
import JOSE

/// Runs the independent Python implementation (`cryptography` + `pyjwt`) for interop tests.
///
/// The virtualenv lives at `<package root>/.build/interop-venv`. If it is missing or lacks
/// the packages, it is created once per test process (`python3 -m venv` + `pip install
/// cryptography pyjwt`; `.ci/run` pre-creates it). If that fails, every interop test FAILS
/// with the reason — an interop test that silently skips proves nothing.
enum PythonInterop {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Interop
        .deletingLastPathComponent()  // JOSETests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root

    static let venv = packageRoot.appendingPathComponent(".build/interop-venv")
    static var python: String { venv.appendingPathComponent("bin/python").path }

    /// Set up once (static lets are initialised exactly once, thread-safely).
    private static let setup: Result<URL, Failure> = {
        do {
            if (try? shell([python, "-c", "import jwt, cryptography"], timeoutSeconds: 60)) == nil {
                try FileManager.default.createDirectory(at: venv.deletingLastPathComponent(), withIntermediateDirectories: true)
                _ = try shell(["python3", "-m", "venv", venv.path], timeoutSeconds: 120)
                _ = try shell([venv.appendingPathComponent("bin/pip").path, "install", "--quiet",
                               "--disable-pip-version-check", "cryptography", "pyjwt"], timeoutSeconds: 600)
                _ = try shell([python, "-c", "import jwt, cryptography"], timeoutSeconds: 60)
            }
            let script = venv.appendingPathComponent("jose_interop.py")
            try PythonScript.source.write(to: script, atomically: true, encoding: .utf8)
            return .success(script)
        } catch {
            return .failure(Failure(description: "interop virtualenv at \(venv.path) could not be set up "
                + "(python3 -m venv + pip install cryptography pyjwt): \(error)"))
        }
    }()

    /// Runs one operation of the Python helper and returns its JSON answer.
    static func run(_ request: [String: JSONValue]) throws -> [String: JSONValue] {
        let script = try setup.get()
        let requestFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("jose-interop-\(UUID().uuidString).json")
        try Data(JSONValue.object(request).encoded()).write(to: requestFile)
        defer { try? FileManager.default.removeItem(at: requestFile) }
        let output = try shell([python, script.path, requestFile.path], timeoutSeconds: 120)
        guard let object = try JSONValue.parse(Array(output.utf8)).objectValue else {
            throw Failure(description: "python helper did not answer with a JSON object")
        }
        return object
    }

    /// Runs a command under `timeout(1)`; throws with stderr on a non-zero exit.
    @discardableResult
    static func shell(_ arguments: [String], timeoutSeconds: Int) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["timeout", "\(timeoutSeconds)"] + arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read stderr concurrently so a chatty child cannot block on a full pipe.
        let errorBox = ErrorOutput()
        let reader = Thread { errorBox.set(stderr.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorBox.done { Thread.sleep(forTimeInterval: 0.01) }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(arguments.first ?? "?") exited with \(process.terminationStatus): "
                + String(decoding: errorBox.data.suffix(2000), as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }

    private final class ErrorOutput: @unchecked Sendable {
        private let lock = NSLock()
        private var stored = Data()
        private var finished = false
        func set(_ data: Data) { lock.lock(); stored = data; finished = true; lock.unlock() }
        var done: Bool { lock.lock(); defer { lock.unlock() }; return finished }
        var data: Data { lock.lock(); defer { lock.unlock() }; return stored }
    }
}

extension [String: JSONValue] {
    /// A string member or a test failure.
    func string(_ key: String) throws -> String {
        guard let value = self[key]?.stringValue else {
            throw PythonInterop.Failure(description: "python answer lacks string member \(key)")
        }
        return value
    }
}
