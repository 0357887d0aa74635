import Foundation

/// Masks a caller id for logs, audit records and verification records, like personal
/// numbers are masked (`19680202****`): the start stays readable (country and operator
/// prefix), the end is hidden.
///
/// A caller id is personal data (it identifies a subscriber), so it is masked unless the
/// operator sets `logCallerId: true`. Letters and digits count as significant characters
/// (SIP user names are caller ids too); of `n` such characters the last `max(4, ⌈n/2⌉)`
/// (all of them when `n ≤ 4`) become `*`. Other characters (`+`, spaces, `-`) stay.
/// The values that identify nobody (empty, `unknown`, `anonymous`) are kept as they are.
public enum CallerIDMasking {
    public static func mask(_ callerID: String) -> String {
        let lowered = callerID.trimmingCharacters(in: .whitespaces).lowercased()
        if lowered.isEmpty || lowered == "unknown" || lowered == "anonymous" { return callerID }
        let significant = callerID.filter(isSignificant).count
        let hidden = min(significant, max(4, (significant + 1) / 2))
        let visible = significant - hidden
        var seen = 0
        var out = ""
        for ch in callerID {
            if isSignificant(ch) {
                out.append(seen < visible ? ch : "*")
                seen += 1
            } else {
                out.append(ch)
            }
        }
        return out
    }

    /// The caller id as logs and records may show it: masked unless `reveal` (`logCallerId`).
    public static func loggable(_ callerID: String, reveal: Bool) -> String {
        reveal ? callerID : mask(callerID)
    }

    private static func isSignificant(_ ch: Character) -> Bool { ch.isLetter || ch.isNumber }
}
