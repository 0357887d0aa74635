import Foundation
import JOSE
import ProcessSpawning

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

    /// Set up once per test process; every interop test awaits the same task.
    private static let setup = Task<Result<URL, Failure>, Never> {
        do {
            if (try? await shell([python, "-c", "import jwt, cryptography"], timeoutSeconds: 60)) == nil {
                try FileManager.default.createDirectory(at: venv.deletingLastPathComponent(), withIntermediateDirectories: true)
                _ = try await shell(["python3", "-m", "venv", venv.path], timeoutSeconds: 120)
                _ = try await shell([venv.appendingPathComponent("bin/pip").path, "install", "--quiet",
                                     "--disable-pip-version-check", "cryptography", "pyjwt"], timeoutSeconds: 600)
                _ = try await shell([python, "-c", "import jwt, cryptography"], timeoutSeconds: 60)
            }
            let script = venv.appendingPathComponent("jose_interop.py")
            try PythonScript.source.write(to: script, atomically: true, encoding: .utf8)
            return .success(script)
        } catch {
            return .failure(Failure(description: "interop virtualenv at \(venv.path) could not be set up "
                + "(python3 -m venv + pip install cryptography pyjwt): \(error)"))
        }
    }

    /// Runs one operation of the Python helper and returns its JSON answer.
    static func run(_ request: [String: JSONValue]) async throws -> [String: JSONValue] {
        let script = try await setup.value.get()
        let requestFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("jose-interop-\(UUID().uuidString).json")
        try Data(JSONValue.object(request).encoded()).write(to: requestFile)
        defer { try? FileManager.default.removeItem(at: requestFile) }
        let output = try await shell([python, script.path, requestFile.path], timeoutSeconds: 120)
        guard let object = try JSONValue.parse(Array(output.utf8)).objectValue else {
            throw Failure(description: "python helper did not answer with a JSON object")
        }
        return object
    }

    /// Runs a command (posix_spawn, waited for without blocking a thread); throws with stderr on
    /// a non-zero exit or after the timeout.
    @discardableResult
    static func shell(_ arguments: [String], timeoutSeconds: Int) async throws -> String {
        let result = try await SpawnedProcess.run(arguments, timeout: .seconds(timeoutSeconds))
        guard result.status == 0 else {
            throw Failure(description: "\(arguments.first ?? "?") exited with \(result.status): "
                + String(decoding: result.stderr.suffix(2000), as: UTF8.self))
        }
        return String(decoding: result.stdout, as: UTF8.self)
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
