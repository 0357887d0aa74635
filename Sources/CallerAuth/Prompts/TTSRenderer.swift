import Foundation
import ProcessSpawning
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
        // posix_spawn, not Foundation's Process: Process.run() crashes intermittently on Linux
        // in a process with many open sockets (see ProcessSpawning).
        let status: Int32?
        do {
            let child = try SpawnedProcess.spawn([program] + arguments)
            status = try? await child.wait(timeout: .seconds(settings.timeoutSeconds))
        } catch {
            status = nil
        }
        guard status == 0, FileManager.default.fileExists(atPath: file) else {
            logger.warning("wordpair.tts_failed", ["program": program, "status": status.map { String($0) } ?? "timeout/not started"])
            return false
        }
        return true
    }
}
