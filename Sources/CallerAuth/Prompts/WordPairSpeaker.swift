import Foundation
import AGI
import StructuredLogging

/// Speaks the provider's word pair (Norwegian BankID `bindingMessage`, e.g. "Frekk julekos")
/// with the profile's strategy, after `ciba/word-pair-is`.
///
/// Asterisk cannot speak arbitrary text by itself, hence the three strategies:
/// - `alpha`: `SAY ALPHA` per word, letter by letter. Works everywhere; slow but unambiguous.
/// - `tts`: a local command renders a WAV into a directory Asterisk reads; `STREAM FILE` plays it;
///   the file is deleted afterwards. If rendering fails the words are spelled (`alpha`) instead.
/// - `exec`: `EXEC <application> <text>` for sites with a TTS dialplan application.
///
/// Any playback can be cut short by a hang-up; the AGI error then propagates to the flow.
struct WordPairSpeaker: Sendable {
    var strategy: WordPairStrategy
    var language: PromptLanguage
    var logger: Logger

    func speak(_ words: String, on channel: AGIChannel, txn: String) async throws {
        _ = try await channel.streamFile(Prompt.wordPairIs.file)
        switch strategy {
        case .alpha:
            try await spell(words, on: channel)
        case .exec(let settings):
            let arguments = settings.arguments
                .replacingOccurrences(of: "{text}", with: words)
                .replacingOccurrences(of: "{language}", with: language.rawValue)
            let result = try await channel.exec(settings.application, arguments)
            if result == -2 {
                logger.warning("wordpair.exec_missing", ["application": settings.application])
                try await spell(words, on: channel)
            }
        case .tts(let settings):
            let base = settings.soundDirectory + "/ciba-wordpair-" + txn
            let file = base + ".wav"
            defer { try? FileManager.default.removeItem(atPath: file) }
            let rendered = await TTSRenderer.render(words, settings: settings, language: language, file: file, logger: logger)
            if rendered {
                let playback = try await channel.streamFile(base)
                if playback.failed {
                    logger.warning("wordpair.tts_playback_failed", ["directory": settings.soundDirectory])
                    try await spell(words, on: channel)
                }
            } else {
                try await spell(words, on: channel)
            }
        }
    }

    /// `SAY ALPHA` for each word; only letters and digits are sent (the words are provider
    /// text and must not be able to inject anything into the AGI command line).
    private func spell(_ words: String, on channel: AGIChannel) async throws {
        for word in words.split(whereSeparator: { $0.isWhitespace }) {
            let clean = String(word.filter { $0.isLetter || $0.isNumber })
            if clean.isEmpty { continue }
            _ = try await channel.sayAlpha(clean)
        }
    }
}
