/// Masks anything that looks like a full national number in free text (transcripts of
/// the AGI dialogue printed by `demo` and `simulate-call`, where the caller's digits appear
/// in `GET DATA` answers and `agi_arg_*` lines).
///
/// Every run of 10 to 13 digits keeps at most its first 8 digits (11-digit runs, the
/// Norwegian length, keep 6) and the rest becomes `*`, exactly like `PersonalNumber.masked`.
/// Runs next to a `.` are left alone: they are Asterisk unique ids (`1732227481.42`).
public enum NumberRedaction {
    public static func redact(_ text: String) -> String {
        var out = ""
        var run = ""
        var previous: Character? = nil
        func flush(next: Character?) {
            if run.count >= 10 && run.count <= 13 && previous != "." && next != "." {
                let visible = run.count == 11 ? 6 : (run.count == 10 ? 6 : 8)
                out += String(run.prefix(visible)) + String(repeating: "*", count: run.count - visible)
            } else {
                out += run
            }
            run = ""
        }
        for ch in text {
            if ch.isASCII && ch.isNumber {
                if run.isEmpty { previous = out.last }
                run.append(ch)
            } else {
                if !run.isEmpty { flush(next: ch) }
                out.append(ch)
            }
        }
        if !run.isEmpty { flush(next: nil) }
        return out
    }
}
