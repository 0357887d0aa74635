// flow-loadgen: many concurrent `caller-auth` calls played by AGITesting's FakeAsterisk
// against a running `ciba-agi serve`, for the flow benchmark (Benchmarks/flow/run.sh,
// BENCHMARKS.md "Caller-auth flow (issue 7)").
//
//   flow-loadgen --agi 127.0.0.1:PORT --calls N [--rate CALLS_PER_S] [--number NUMBER]
//                [--profile se-bankid] [--timeout SECONDS]
//
// Every call presets CIBA_ID_NUMBER (no DTMF) and has its own caller id, so rate limits per
// caller do not mix calls up (the benchmark's config raises the per-number limit). Calls are
// started at `--rate` per second; once all are placed it prints `ramp_done`, then, when all
// have ended, one `result` line: calls, VERIFIED, failed (any other CIBA_STATUS, a timeout
// or a connect error) and the statuses seen. The load generator's own CPU is not what is
// measured (run.sh reads the serve process's /proc/PID/stat), so it favours simplicity.
// Only loopback targets are accepted.

import Dispatch
import Foundation
import Glibc
import AGITesting
import Sockets

struct Options {
    var agi = "127.0.0.1:4573"
    var calls = 100
    var rate = 500.0
    var number = "196802020575"
    var profile = "se-bankid"
    var timeout = 300

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var index = 0
        func value() -> String {
            index += 1
            guard index < arguments.count else { fail("\(arguments[index - 1]) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--agi": options.agi = value()
            case "--calls": options.calls = positive(value(), "--calls", limit: 50_000)
            case "--rate": options.rate = Double(positive(value(), "--rate", limit: 100_000))
            case "--number": options.number = value()
            case "--profile": options.profile = value()
            case "--timeout": options.timeout = positive(value(), "--timeout", limit: 3_600)
            default: fail("unknown option \(arguments[index]) (see the comment at the top of main.swift)")
            }
            index += 1
        }
        return options
    }

    static func positive(_ text: String, _ name: String, limit: Int) -> Int {
        guard let value = Int(text), (1...limit).contains(value) else { fail("\(name) must be 1...\(limit)") }
        return value
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("flow-loadgen: \(message)\n".utf8))
    exit(2)
}

func emit(_ line: String) {
    print(line)
    fflush(nil)
}

/// How one call ended, for the summary.
enum CallResult: Sendable {
    case status(String)
    case timedOut
    case connectFailed
}

func playCall(index: Int, options: Options, address: SocketAddress) async -> CallResult {
    let call = FakeCall(
        script: "caller-auth", arguments: [options.profile],
        environment: ["callerid": String(format: "07%08d", index)],
        variables: ["CIBA_ID_NUMBER": options.number])
    do {
        let transcript = try await FakeAsterisk(call: call).place(to: address, timeout: .seconds(options.timeout))
        if transcript.timedOut { return .timedOut }
        return .status(transcript.variables["CIBA_STATUS"] ?? "(none)")
    } catch {
        return .connectFailed
    }
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
guard let address = try? SocketAddress.parse(options.agi), options.agi.hasPrefix("127.") else {
    fail("--agi must be a loopback HOST:PORT (127.x.x.x)")
}
var limit = rlimit()
getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
guard Int(limit.rlim_cur) > options.calls + 100 else {
    fail("open-files limit \(limit.rlim_cur) is too small for \(options.calls) calls (raise ulimit -n)")
}

let started = DispatchTime.now()
let results = await withTaskGroup(of: CallResult.self) { group -> [CallResult] in
    let gap = 1.0 / options.rate
    for index in 0..<options.calls {
        // Pace the ramp against the start time (not per call) so scheduling delays do not add up.
        let due = Double(index) * gap
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        if due > elapsed { try? await Task.sleep(for: .seconds(due - elapsed)) }
        group.addTask { await playCall(index: index, options: options, address: address) }
    }
    let rampSeconds = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    emit("ramp_done calls=\(options.calls) seconds=\(String(format: "%.2f", rampSeconds))")
    var collected: [CallResult] = []
    collected.reserveCapacity(options.calls)
    for await result in group { collected.append(result) }
    return collected
}

var statuses: [String: Int] = [:]
var timedOut = 0
var connectFailed = 0
for result in results {
    switch result {
    case .status(let status): statuses[status, default: 0] += 1
    case .timedOut: timedOut += 1
    case .connectFailed: connectFailed += 1
    }
}
let verified = statuses["VERIFIED"] ?? 0
let wall = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
let seen = statuses.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
emit("result calls=\(options.calls) verified=\(verified) failed=\(options.calls - verified) timed_out=\(timedOut) "
     + "connect_failed=\(connectFailed) statuses=\(seen.isEmpty ? "-" : seen) seconds=\(String(format: "%.1f", wall))")
exit(verified == options.calls ? 0 : 1)
