// fuzz-modules: CallerAuth JOSE
// fuzz-options: -max_len=4096
//
// The configuration loader (Sources/CallerAuth/Configuration) through its pure entry point
// `ConfigurationLoader.load(data:baseDirectory:environment:)`: the bytes are the content of a
// `ciba-agi.json`, relative paths resolve in an empty scratch directory made at start-up. The
// first input byte picks the environment (bit 0: CIBA_AGI_CLIENT_SECRET set to a marker,
// bit 1: CIBA_AGI_LISTEN set, bit 2: CIBA_AGI_ISSUER set).
//
// Invariants beyond "no crash":
// - a refusal is a thrown ConfigurationError of kind malformed or invalid (the bytes were
//   given, so never unreadable) with at least one problem, each with a non-empty message;
// - loading is deterministic: the same bytes give the same problems;
// - no problem ever shows a secret: neither the environment's client secret (unless the input
//   itself holds the marker) nor the `provider.clientSecret` of the input (8 characters or more;
//   compared against the same configuration with another secret, see showsInlineSecret);
// - an accepted configuration holds what validation promised: at least one listen address,
//   the default profile among the profiles, every number inside its documented range, a
//   music-on-hold class without spaces or quotes, an https issuer unless it is plain HTTP to a
//   loopback host or `allowInsecureHTTP` was set, a non-empty client id.
//
// Inputs that name /dev, /proc or /sys (or use \u escapes, which could spell them) are
// skipped: the loader reads the files a config names, and /dev/zero never ends.
import Foundation
import JOSE
@testable import CallerAuth

private let skipped: [[UInt8]] = ["/dev", "/proc", "/sys", "\\u", "\\/"].map { Array($0.utf8) }

/// Whether `needle` (not empty) occurs in `bytes`, found with Glibc's `memchr`/`memcmp`, which
/// the fuzzer does not instrument (a Swift loop here traced a comparison per byte and took a
/// third of every execution).
private func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { haystack in
        needle.withUnsafeBufferPointer { needle in
            guard let base = haystack.baseAddress, let first = needle.first, haystack.count >= needle.count else { return false }
            let last = haystack.count - needle.count  // the last offset where the needle fits
            var offset = 0
            while offset <= last, let hit = memchr(base + offset, Int32(first), last - offset + 1) {
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + at, needle.baseAddress!, needle.count) == 0 { return true }
                offset = at + 1
            }
            return false
        }
    }
}

private let secretMarker = "FUZZ-ENV-SECRET-5c0e1d"
private let scratch: String = {
    let path = NSTemporaryDirectory() + "ciba-agi-fuzz-config-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

private func outcome(_ data: Data, _ environment: [String: String]) -> Result<Configuration, ConfigurationError> {
    do {
        return .success(try ConfigurationLoader.load(data: data, baseDirectory: scratch, environment: environment))
    } catch let error as ConfigurationError {
        return .failure(error)
    } catch {
        check(false, "load threw \(type(of: error)), not ConfigurationError: \(error)")
        fatalError()
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    guard let first = input.first else { return 0 }
    let bytes = Array(input.dropFirst())
    for forbidden in skipped where contains(bytes, forbidden) { return 0 }
    var environment: [String: String] = [:]
    if first & 1 != 0 { environment["CIBA_AGI_CLIENT_SECRET"] = secretMarker }
    if first & 2 != 0 { environment["CIBA_AGI_LISTEN"] = "127.0.0.1:4573,[::1]:4573" }
    if first & 4 != 0 { environment["CIBA_AGI_ISSUER"] = "https://issuer.fuzz.example" }

    let result = outcome(Data(bytes), environment)
    switch result {
    case .failure(let error):
        check(error.kind == .malformed || error.kind == .invalid, "kind \(error.kind)")
        check(!error.problems.isEmpty, "a refusal without a problem")
        for problem in error.problems { check(!problem.message.isEmpty, "an empty problem at \(problem.path)") }
        if environment["CIBA_AGI_CLIENT_SECRET"] != nil, !contains(bytes, Array(secretMarker.utf8)) {
            check(!error.description.contains(secretMarker), "a problem shows the environment's client secret")
        }
        if case .object(let root)? = try? JSONValue.parse(bytes) {
            check(!showsInlineSecret(root, environment), "a problem shows the client secret")
        }
        if case .failure(let again) = outcome(Data(bytes), environment) {
            check(again == error, "the same bytes give other problems")
        } else {
            check(false, "the same bytes load the second time")
        }
    case .success(let configuration):
        checkAccepted(configuration, environment)
    }
    return 0
}

/// Whether a problem shows the input's own `provider.clientSecret` (8 characters or more). Its
/// text may also be the loader's own words: a secret `digitTimeoutSeconds` is in every
/// unknown-key problem's list of allowed keys (found by this target, seed
/// `regression-secret-is-a-key-name`). So the configuration is loaded twice, re-encoded, once
/// with the secret and once with a marker of the same length in its place: the secret must not
/// occur more often in the first description than in the second.
private func showsInlineSecret(_ root: [String: JSONValue], _ environment: [String: String]) -> Bool {
    guard case .object(var provider)? = root["provider"], let secret = provider["clientSecret"]?.stringValue,
          secret.count >= 8 else { return false }
    let marker = String(repeating: secret == String(repeating: "Q", count: secret.count) ? "Z" : "Q", count: secret.count)
    func description(_ value: String) -> String {
        provider["clientSecret"] = .string(value)
        var edited = root
        edited["provider"] = .object(provider)
        guard let bytes = try? JSONValue.object(edited).encoded(),
              case .failure(let error) = outcome(Data(bytes), environment) else { return "" }
        return error.description
    }
    func occurrences(_ text: String) -> Int { text.components(separatedBy: secret).count - 1 }
    return occurrences(description(secret)) > occurrences(description(marker))
}

private func checkAccepted(_ c: Configuration, _ environment: [String: String]) {
    check(!c.listen.isEmpty, "no listen address")
    check(c.profiles[c.defaultProfile] != nil, "default profile \(c.defaultProfile) is not a profile")
    check((1...10).contains(c.maxAttempts), "maxAttempts \(c.maxAttempts)")
    check((0...3600).contains(c.drainTimeoutSeconds), "drainTimeoutSeconds \(c.drainTimeoutSeconds)")
    check((1...1_000_000).contains(c.maxSessions), "maxSessions \(c.maxSessions)")
    check((2...60).contains(c.digitTimeoutSeconds), "digitTimeoutSeconds \(c.digitTimeoutSeconds)")
    check((1...100_000).contains(c.rateLimits.perCallerPer10Min) && (1...100_000).contains(c.rateLimits.perNumberPer10Min), "rate limits")
    check(!c.musicOnHoldClass.isEmpty && !c.musicOnHoldClass.contains { $0.isWhitespace || $0 == "\"" }, "musicOnHoldClass")
    check(!c.provider.clientID.isEmpty, "empty client id")
    let issuer = c.provider.issuer
    let scheme = issuer.scheme?.lowercased()
    check(scheme == "https" || (scheme == "http" && (c.provider.allowInsecureHTTP || ConfigurationLoader.isLoopbackHost(issuer.host ?? ""))),
          "issuer \(issuer.absoluteString) accepted")
    if environment["CIBA_AGI_ISSUER"] != nil { check(issuer.absoluteString == "https://issuer.fuzz.example", "environment issuer lost") }
    if environment["CIBA_AGI_LISTEN"] != nil { check(c.listen.count == 2, "environment listen lost") }
    _ = c.provider.settings
    _ = c.provider.authenticationName
}
