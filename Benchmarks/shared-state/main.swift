// Cost of the shared store's two hot operations (issue 10), against a real redis-server:
//   - a rate-limit check (RedisRateLimitStore.admit: one EVALSHA of the sliding-window script),
//   - publishing a state change (RedisVerificationStore.save: SET + index + PUBLISH in one pipeline),
//     and how long that change takes to reach a second server's event stream.
// Each is timed one at a time (the latency a call sees), after a warm-up. The in-process
// rate limiter is timed too, as the baseline. Results: BENCHMARKS.md, "Shared state".
//
// usage: shared-state-benchmark [ITERATIONS] [redis://...]   (default 5000; without a URL a
//        redis-server/valkey-server from PATH is started on a loopback port)
import Foundation
import CallerAuth
import RESP
import RedisTesting
import StructuredLogging

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
}

func report(_ name: String, _ samples: [Double]) {
    let sorted = samples.sorted()
    let mean = samples.reduce(0, +) / Double(samples.count)
    print(String(format: "%-44@ n=%d p50=%.1f us p99=%.1f us mean=%.1f us", name as NSString, samples.count,
                 percentile(sorted, 0.5), percentile(sorted, 0.99), mean))
}

func microseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

let arguments = CommandLine.arguments.dropFirst()
let iterations = arguments.first.flatMap { Int($0) } ?? 5000
var ownServer: RedisServerProcess?
let endpoint: RedisEndpoint
if arguments.count > 1 {
    endpoint = try RedisEndpoint.parse(String(arguments[arguments.index(after: arguments.startIndex)]))
} else {
    let server = try await RedisServerProcess.start()
    ownServer = server
    endpoint = server.endpoint
}
print("shared-state benchmark: \(iterations) iterations against \(endpoint) (\(RedisServerProcess.binary ?? "external server"))")

let settings = SharedStateSettings(endpoint: endpoint, keyPrefix: "bench-\(UUID().uuidString.prefix(8)):", timeout: .seconds(5),
                                   keySecret: Array("benchmark key secret, 32 bytes..".utf8))
let limits = RateLimitSettings(perCallerPer10Min: 100_000, perNumberPer10Min: 100_000)
let a = try SharedStateConnection(settings: settings, rateLimits: limits, retentionMinutes: 60, logger: .disabled, serverID: "a")
let b = try SharedStateConnection(settings: settings, rateLimits: limits, retentionMinutes: 60, logger: .disabled, serverID: "b")
a.start()
b.start()
guard await a.verifications.waitUntilSubscribed(timeout: .seconds(10)), await b.verifications.waitUntilSubscribed(timeout: .seconds(10)) else {
    print("the subscriptions did not come up within 10 s")
    exit(1)
}
let clock = ContinuousClock()

// The in-process baseline (the same 11,000 keys in the window as below).
let memory = AuthenticationRateLimits(perCaller: 100_000, perNumber: 100_000)
var samples: [Double] = []
for i in 0..<(iterations + 500) {
    let start = clock.now
    _ = memory.admit(callerID: "+4670\(i % 1000)", number: "19680202\(i % 10_000)")
    if i >= 500 { samples.append(microseconds(clock.now - start)) }
}
report("rate-limit check, in process", samples)

samples = []
for i in 0..<(iterations + 500) {
    let start = clock.now
    let decision = await a.rateLimits.admit(callerID: "+4670\(i % 1000)", number: "19680202\(i % 10_000)")
    if i >= 500 { samples.append(microseconds(clock.now - start)) }
    if decision != .admitted { print("unexpected decision \(decision) at \(i)"); exit(1) }
}
report("rate-limit check, Redis (EVALSHA)", samples)

var saves: [Double] = []
var deliveries: [Double] = []
let now = Date()
for i in 0..<(iterations + 500) {
    let events = b.verifications.events()
    let record = VerificationRecord(txn: UUID().uuidString.lowercased(), status: .pending, profile: "se-bankid", initiator: "ivr",
                                    numberMasked: "19680202****", callerIDMasked: "+46701******", uniqueID: "1732227000.\(i)",
                                    linkedID: "1732227000.\(i)", wordPair: "blue horse", createdAt: now, updatedAt: now)
    let start = clock.now
    await a.verifications.save(record)
    let saved = clock.now
    var iterator = events.makeAsyncIterator()
    while let received = await iterator.next(), received.txn != record.txn {}
    let delivered = clock.now
    if i >= 500 {
        saves.append(microseconds(saved - start))
        deliveries.append(microseconds(delivered - start))
    }
}
report("state change saved + published (save)", saves)
report("state change seen on another server", deliveries)
if !a.health.isUp || a.health.failureCount > 0 { print("store failures during the run: \(a.health.failureCount)"); exit(1) }

await a.shutdown()
await b.shutdown()
await ownServer?.stop()
