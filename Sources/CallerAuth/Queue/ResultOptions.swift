/// The options of `caller-auth-result` (URL query or any AGI argument with `key=value`
/// pairs): `wait=SECONDS` (0–`maxWaitSeconds`, default 0) waits for a verification that is
/// still pending; 0 answers at once (`CIBA_STATUS=PENDING` if it is).
struct ResultOptions: Sendable, Equatable {
    static let maxWaitSeconds = 300
    var waitSeconds: Int = 0
    /// Keys or values that were not understood (names only, for one log line).
    var ignored: [String] = []

    static func parse(query: [String: String], arguments: [String]) -> ResultOptions {
        var pairs = query
        for argument in arguments where argument.contains("=") {
            for (key, value) in CallOptions.parsePairs(argument) { pairs[key] = value }
        }
        var options = ResultOptions()
        for key in pairs.keys.sorted() {
            let value = pairs[key] ?? ""
            switch key.lowercased() {
            case "wait":
                // Range-checked before conversion: the dialplan's text is not trusted.
                if value.count <= 4, value.allSatisfy(\.isASCII), let seconds = Int(value), (0...maxWaitSeconds).contains(seconds) {
                    options.waitSeconds = seconds
                } else {
                    options.ignored.append("wait (not 0-\(maxWaitSeconds))")
                }
            default:
                options.ignored.append(key)
            }
        }
        return options
    }
}
