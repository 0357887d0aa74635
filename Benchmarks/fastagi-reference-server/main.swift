// fastagi-reference-server: the `bench` and `hold` scripts of the benchmark reference
// (/work/shared/bench/REFERENCE.md) served by ciba-agi's own FastAGI layer, so that
// BENCHMARKS.md compares it like for like with the C baseline and panoramisk.
//
//   fastagi-reference-server --listen 127.0.0.1:PORT [--log-level warning] [--executor loop|pool]
//
// `--executor pool` runs sessions on Swift's global concurrent pool instead of the socket loop
// thread (the server's default), for comparing the two.
//
// Raises its own open-files limit (10,000 held calls need 10,000 descriptors), logs at
// `warning` by default so logging does not dominate the figures, and drains on SIGTERM/SIGINT.

import AGI
import Dispatch
import Glibc
import Sockets
import StructuredLogging

/// `bench`: the shape of a caller-auth call, one command at a time.
let benchScript: AGIHandler = { channel in
    try await channel.answer()
    _ = try await channel.getData("ciba/enter-ssn", timeout: .milliseconds(5000), maxDigits: 12)
    try await channel.setVariable("CIBA_STATUS", "VERIFIED")
    _ = try await channel.streamFile("ciba/verified")
    try await channel.hangup()
}

/// `hold`: a call waiting on music on hold, ten one-second digit waits.
let holdScript: AGIHandler = { channel in
    try await channel.answer()
    try await channel.setMusic(true, class: "default")
    for _ in 0..<10 {
        _ = try await channel.waitForDigit(timeout: .milliseconds(1000))
    }
    try await channel.setMusic(false)
    try await channel.hangup()
}

func fail(_ message: String) -> Never {
    FileHandleStderr.write("fastagi-reference-server: \(message)\n")
    exit(2)
}

enum FileHandleStderr {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

/// SIGTERM/SIGINT as an async stream. A plain function with a `@Sendable` handler: a closure
/// written in top-level code would be main-actor isolated, and the runtime traps when Dispatch
/// runs it on another queue.
func stopSignals() -> (AsyncStream<Int32>, [any DispatchSourceSignal]) {
    signal(SIGTERM, SIG_IGN)
    signal(SIGINT, SIG_IGN)
    let (stream, continuation) = AsyncStream<Int32>.makeStream()
    let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { @Sendable in continuation.yield(number) }
        source.resume()
        return source
    }
    return (stream, sources)
}

var listenText = "127.0.0.1:4573"
var level = LogLevel.warning
var runOnSocketLoop = true
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--listen":
        guard let value = arguments.popFirst() else { fail("--listen needs HOST:PORT") }
        listenText = value
    case "--log-level":
        guard let value = arguments.popFirst(), let parsed = LogLevel(name: value) else {
            fail("--log-level needs trace|debug|info|notice|warning|error")
        }
        level = parsed
    case "--executor":
        switch arguments.popFirst() {
        case "loop": runOnSocketLoop = true
        case "pool": runOnSocketLoop = false
        default: fail("--executor needs loop (sessions on the socket loop thread) or pool (global pool)")
        }
    default:
        fail("usage: fastagi-reference-server --listen 127.0.0.1:PORT [--log-level warning] [--executor loop|pool]")
    }
}

let address: SocketAddress
do { address = try SocketAddress.parse(listenText) } catch { fail("bad --listen \(listenText): \(error)") }

let openFiles = ResourceLimits.raiseOpenFileLimit()
let logger = Logger(handler: StderrLogHandler(), level: level).with("component", "fastagi-reference-server")

var router = AGIRouter()
router.register("bench", benchScript)
router.register("hold", holdScript)

let configuration = FastAGIServerConfiguration(
    listen: [address],
    allowedClients: AllowList([try CIDRBlock(parsing: "127.0.0.0/8"), try CIDRBlock(parsing: "::1/128")]),
    maxSessions: 20_000,
    limits: AGISessionLimits(),
    runSessionsOnSocketLoop: runOnSocketLoop
)
let server = FastAGIServer(configuration: configuration, router: router, logger: logger)
let bound: [SocketAddress]
do { bound = try server.start() } catch { fail("cannot listen on \(listenText): \(error)") }
FileHandleStderr.write(
    "fastagi-reference-server listening on \(bound.map(\.description).joined(separator: ", ")) open-files=\(openFiles)\n")

// Stop on SIGTERM / SIGINT: stop accepting, drain, exit 0.
let (stop, signalSources) = stopSignals()
for await _ in stop { break }
await server.shutdown(drainTimeout: .seconds(5))
signalSources.forEach { $0.cancel() }
exit(0)
