/// Makes provider-supplied or user-derived text safe for logs and error messages.
///
/// Providers sometimes echo request data in `error_description` ("unknown user 19680202...",
/// "auth_req_id abc... expired"). Everything that reaches a log line or a `CIBAFailure` goes
/// through here: runs of 6+ digits and runs of 24+ token-like characters are masked, known
/// secrets are removed, control characters dropped, and the length capped.
///
/// Every `authorization_pending` answer's description passes through here, once per poll of
/// every waiting call, so ASCII text (what providers send) takes a byte path without
/// Foundation or `Character`s; anything else takes the general path. Both give the same text
/// for ASCII input (`SafeTextTests` compares them).
enum SafeText {
    static let maxLength = 160

    static func sanitize(_ text: String?, redacting secrets: [String] = []) -> String? {
        guard let text else { return nil }
        if let fast = sanitizeASCII(text, redacting: secrets) { return fast }
        return sanitizeGeneral(text, redacting: secrets)
    }

    /// The byte path: nil unless `text` is ASCII and every secret is printable ASCII (then a
    /// byte match is exactly a `Character` match: the only multi-scalar grapheme of ASCII is
    /// CR LF, and no such secret contains CR or LF).
    static func sanitizeASCII(_ text: String, redacting secrets: [String]) -> String? {
        var input = Array(text.utf8)
        guard !input.contains(where: { $0 >= 0x80 }) else { return nil }
        for secret in secrets {
            let needle = Array(secret.utf8)
            guard needle.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
            if needle.count >= 4 { input = replacing(needle, in: input, with: redactedBytes) }
        }
        var out: [UInt8] = []
        out.reserveCapacity(min(input.count, maxLength + 16))
        var runStart = 0
        var runLength = 0
        var runDigits = 0
        func flush() {
            if runDigits >= 6 && runDigits == runLength {
                out.append(contentsOf: digitsBytes)
            } else if runLength >= 24 || runDigits >= 6 {
                out.append(contentsOf: redactedBytes)
            } else {
                out.append(contentsOf: input[runStart..<(runStart + runLength)])
            }
            runLength = 0
            runDigits = 0
        }
        for (index, byte) in input.enumerated() {
            if byte < 0x20 || byte == 0x7F {
                flush()
                out.append(0x20)
            } else if isTokenByte(byte) {
                if runLength == 0 { runStart = index }
                runLength += 1
                if byte >= 0x30 && byte <= 0x39 { runDigits += 1 }
            } else {
                flush()
                out.append(byte)
            }
        }
        flush()
        if out.count > maxLength { return String(decoding: out[..<maxLength], as: UTF8.self) + "..." }
        return String(decoding: out, as: UTF8.self)
    }

    /// Letters, digits and `-_.=+/`: the characters of tokens, ids and base64.
    private static func isTokenByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
            || b == 0x2D || b == 0x5F || b == 0x2E || b == 0x3D || b == 0x2B || b == 0x2F
    }

    private static let redactedBytes = Array("[redacted]".utf8)
    private static let digitsBytes = Array("[digits]".utf8)

    /// Every non-overlapping occurrence of `needle` (left to right) replaced.
    private static func replacing(_ needle: [UInt8], in haystack: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard let first = needle.first, haystack.count >= needle.count else { return haystack }
        var out: [UInt8] = []
        var index = 0
        var copiedUpTo = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                out.append(contentsOf: haystack[copiedUpTo..<index])
                out.append(contentsOf: replacement)
                index += needle.count
                copiedUpTo = index
            } else {
                index += 1
            }
        }
        if copiedUpTo == 0 { return haystack }
        out.append(contentsOf: haystack[copiedUpTo...])
        return out
    }

    /// The general path (any Unicode text), by `Character`s.
    static func sanitizeGeneral(_ text: String, redacting secrets: [String]) -> String {
        var text = text
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
        guard !text.isEmpty, text.utf8.count <= 64,
              text.utf8.allSatisfy({ CharacterSetASCII.isAlnum($0) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E })
        else { return "invalid_error_code" }
        return text
    }
}

enum CharacterSetASCII {
    static func isAlnum(_ s: Unicode.Scalar) -> Bool {
        (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9")
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
    }
}
