import Foundation
import StructuredLogging

/// Runs the configured text-to-speech command (no shell: the provider's text cannot inject
/// commands) and waits for it, at most `timeoutSeconds`.
enum TTSRenderer {
    static func render(_ text: String, settings: TTSSettings, language: PromptLanguage, file: String, logger: Logger) async -> Bool {
        guard let program = settings.command.first else { return false }
        let arguments = settings.command.dropFirst().map {
            $0.replacingOccurrences(of: "{file}", with: file)
                .replacingOccurrences(of: "{text}", with: text)
                .replacingOccurrences(of: "{language}", with: language.rawValue)
        }
        let process = Process()
        if program.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(arguments)
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [program] + arguments
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let status: Int32? = await withCheckedContinuation { continuation in
            let once = ResumeOnce(continuation)
            process.terminationHandler = { p in once.resume(p.terminationStatus) }
            do {
                try process.run()
            } catch {
                once.resume(nil)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(settings.timeoutSeconds)) {
                if process.isRunning {
                    process.terminate()
                    once.resume(nil)
                }
            }
        }
        guard status == 0, FileManager.default.fileExists(atPath: file) else {
            logger.warning("wordpair.tts_failed", ["program": program, "status": status.map { String($0) } ?? "timeout/not started"])
            return false
        }
        return true
    }
}

/// Resumes a continuation exactly once, whichever of several events comes first.
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Never>?

    init(_ continuation: CheckedContinuation<T, Never>) { self.continuation = continuation }

    func resume(_ value: T) {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume(returning: value)
    }
}
