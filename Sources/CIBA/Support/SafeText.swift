/// Makes provider-supplied or user-derived text safe for logs and error messages.
///
/// Providers sometimes echo request data in `error_description` ("unknown user 19680202...",
/// "auth_req_id abc... expired"). Everything that reaches a log line or a `CIBAFailure` goes
/// through here: runs of 6+ digits and runs of 24+ token-like characters are masked, known
/// secrets are removed, control characters dropped, and the length capped.
enum SafeText {
    static let maxLength = 160

    static func sanitize(_ text: String?, redacting secrets: [String] = []) -> String? {
        guard var text else { return nil }
        for secret in secrets where secret.count >= 4 {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        var out = ""
        var run = ""
        func flush() {
            let digits = run.filter { $0.isASCII && $0.isNumber }.count
            if digits >= 6 && run.allSatisfy({ $0.isASCII && $0.isNumber }) {
                out += "[digits]"
            } else if run.count >= 24 || digits >= 6 {
                out += "[redacted]"
            } else {
                out += run
            }
            run = ""
        }
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F { flush(); out += " "; continue }
            let c = Character(scalar)
            if c.isLetter || c.isNumber || c == "-" || c == "_" || c == "." || c == "=" || c == "+" || c == "/" {
                run.unicodeScalars.append(scalar)
            } else {
                flush()
                out.unicodeScalars.append(scalar)
            }
        }
        flush()
        if out.count > maxLength { out = String(out.prefix(maxLength)) + "..." }
        return out
    }

    /// An OAuth error code: `[A-Za-z0-9_.-]`, at most 64 characters; anything else becomes `invalid_error_code`.
    static func errorCode(_ text: String?) -> String? {
        guard let text else { return nil }
        guard !text.isEmpty, text.count <= 64,
              text.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSetASCII.isAlnum($0) || $0 == "_" || $0 == "-" || $0 == ".") })
        else { return "invalid_error_code" }
        return text
    }
}

enum CharacterSetASCII {
    static func isAlnum(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9")
    }
}
