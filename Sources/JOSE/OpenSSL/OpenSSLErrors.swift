import COpenSSL

/// Access to OpenSSL's per-thread error queue.
///
/// Every failing OpenSSL call leaves entries on the calling thread's queue; if they are not
/// drained they leak into unrelated later calls on the same thread ("one bad call never
/// affects another"). Reasons from OpenSSL are library texts (e.g. "wrong signature length")
/// and never contain key or token bytes.
enum OpenSSLErrors {
    /// The first queued reason (if any), then clears the queue.
    static func drain() -> String? {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0, let text = ERR_reason_error_string(code) else { return nil }
        return String(cString: text)
    }

    /// Builds a ``JOSEError`` with our context and OpenSSL's reason, clearing the queue.
    static func error(_ kind: JOSEError.Kind, _ context: String) -> JOSEError {
        if let reason = drain() {
            return JOSEError(kind, "\(context) (OpenSSL: \(reason))")
        }
        return JOSEError(kind, context)
    }
}
