import COpenSSL

/// Reading OpenSSL's per-thread error queue into text and clearing it.
///
/// Every failing OpenSSL call leaves entries on the calling thread's queue; left there they
/// would be blamed on an unrelated later call on the same thread. Only the reason *texts* are
/// kept (e.g. "wrong version number"), never the numeric codes.
enum OpenSSLErrorQueue {
    /// The queued entries, oldest first: library reason code (for classification only) and text.
    static func drain() -> [(reason: Int32, text: String)] {
        var entries: [(Int32, String)] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            let text = ERR_reason_error_string(code).map { String(cString: $0) } ?? "unknown reason"
            if entries.count < 8 { entries.append((ciba_err_get_reason(code), text)) }
        }
        return entries
    }

    /// The texts of what is queued, joined, then clears the queue; nil when empty.
    static func drainText() -> String? {
        let texts = drain().map(\.text)
        return texts.isEmpty ? nil : texts.joined(separator: "; ")
    }

    /// A configuration or local error with `context` and OpenSSL's reason.
    static func error(_ kind: TLSError.Kind, _ context: String) -> TLSError {
        if let text = drainText() { return TLSError(kind, "\(context) (\(text))") }
        return TLSError(kind, context)
    }
}
