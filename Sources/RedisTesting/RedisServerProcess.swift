import Foundation
import Glibc
import NetworkTesting
import ProcessSpawning
import RESP
import Sockets

/// A real `redis-server` (or `valkey-server`) for one test: its own loopback port, its own
/// password, no persistence; killed, restarted and stopped by the test.
///
/// The port is a `ReservedPort` held from `start` to `stop`: redis-server listens on it
/// (both set `SO_REUSEADDR`), and while the server is killed, connections are refused and no
/// other test's server is given the port, so a restart gets it back and a client never
/// reaches a stranger.
///
/// Tests that need one are gated on `RedisServerProcess.isAvailable`. Where no server binary
/// is on PATH they are skipped, unless `CIBA_AGI_REQUIRE_REDIS=1` (set by `.ci/run`), which
/// makes them run and fail: CI never silently skips them.
public final class RedisServerProcess: @unchecked Sendable {  // `process` only changes in start/kill/restart, which a test calls from one task
    /// The server binary found on PATH: valkey-server first, then redis-server.
    public static let binary: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["valkey-server", "redis-server"] {
            for directory in path.split(separator: ":") {
                let candidate = "\(directory)/\(name)"
                if access(candidate, X_OK) == 0 { return candidate }
            }
        }
        return nil
    }()

    public static let requireVariable = "CIBA_AGI_REQUIRE_REDIS"

    /// True when a server binary is on PATH, or when CI demands the tests run anyway.
    public static var isAvailable: Bool {
        binary != nil || ProcessInfo.processInfo.environment[requireVariable] == "1"
    }

    /// Certificates for a TLS port.
    public struct TLSFiles: Sendable {
        public var certificateFile: String
        public var keyFile: String
        public var caFile: String
        public init(certificateFile: String, keyFile: String, caFile: String) {
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.caFile = caFile
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let port: UInt16
    private let reservation: ReservedPort
    public let password: String?
    public let tls: TLSFiles?
    public let directory: String
    private var process: SpawnedProcess?

    private init(reservation: ReservedPort, password: String?, tls: TLSFiles?, directory: String) {
        self.reservation = reservation
        self.port = reservation.port
        self.password = password
        self.tls = tls
        self.directory = directory
    }

    /// The URL a client uses (`redis://:PASSWORD@127.0.0.1:PORT/0`, `rediss://` with TLS).
    public var url: String {
        let credentials = password.map { ":\($0)@" } ?? ""
        return "\(tls == nil ? "redis" : "rediss")://\(credentials)127.0.0.1:\(port)/0"
    }

    public var endpoint: RedisEndpoint {
        RedisEndpoint(host: "127.0.0.1", port: port, password: password, useTLS: tls != nil)
    }

    /// Starts a server on a reserved loopback port and waits (bounded) until it answers PING.
    public static func start(password: String? = "pw-\(UUID().uuidString.prefix(8))", tls: TLSFiles? = nil) async throws -> RedisServerProcess {
        guard let binary else {
            throw Failure(description: "no redis-server or valkey-server on PATH (apt-get install redis-server)")
        }
        let directory = NSTemporaryDirectory() + "redis-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let server = RedisServerProcess(reservation: try ReservedPort(), password: password, tls: tls, directory: directory)
        do {
            try await server.launch(binary)
            return server
        } catch {
            await server.stop()
            throw error
        }
    }

    /// SIGKILL, awaited: the store disappears as in a crash (connections reset).
    public func kill() async {
        guard let process else { return }
        process.signal(SIGKILL)
        _ = try? await process.wait(timeout: .seconds(10))
        self.process = nil
    }

    /// Starts the server again on the same port (empty: no persistence).
    public func restart() async throws {
        await kill()
        guard let binary = Self.binary else { throw Failure(description: "no redis-server on PATH") }
        try await launch(binary)
    }

    /// SIGTERM, awaited (SIGKILL after 10 s); removes the working directory and frees the port.
    public func stop() async {
        if let process {
            process.signal(SIGTERM)
            _ = try? await process.wait(timeout: .seconds(10))  // SIGKILLs after the timeout
            self.process = nil
        }
        try? FileManager.default.removeItem(atPath: directory)
        reservation.release()
    }

    /// The server's log (for a failing test's message).
    public var log: String {
        (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
    }

    private func launch(_ binary: String) async throws {
        var arguments = [binary, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory,
                         "--daemonize", "no", "--loglevel", "warning", "--logfile", directory + "/server.log"]
        if let password { arguments += ["--requirepass", password] } else { arguments += ["--protected-mode", "no"] }
        if let tls {
            arguments += ["--port", "0", "--tls-port", String(port), "--tls-cert-file", tls.certificateFile,
                          "--tls-key-file", tls.keyFile, "--tls-ca-cert-file", tls.caFile, "--tls-auth-clients", "no"]
        } else {
            arguments += ["--port", String(port)]
        }
        let child = try SpawnedProcess.spawn(arguments)
        process = child
        try await waitUntilReady(child)
    }

    /// Readiness: PING until the server answers (at most 10 s), failing early if it exits.
    private func waitUntilReady(_ child: SpawnedProcess) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        var pause = Duration.milliseconds(2)
        while ContinuousClock.now < deadline {
            if let status = child.status {
                throw Failure(description: "redis-server exited with status \(status) before answering: \(log)")
            }
            if tls != nil {
                // Without a TLS client here: the port accepting TCP is the signal.
                if let connection = try? await TCPConnection.connect(to: SocketAddress(ip: .v4(127, 0, 0, 1), port: port), timeout: .seconds(1)) {
                    connection.close()
                    return
                }
            } else {
                let client = RedisClient(configuration: RedisClientConfiguration(
                    endpoint: endpoint, timeout: .seconds(1), poolSize: 1, backoff: ReconnectBackoff(initial: .zero, maximum: .zero)))
                defer { client.shutdown() }
                if (try? await client.ping()) != nil { return }
            }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
        child.signal(SIGKILL)
        throw Failure(description: "redis-server did not answer PING within 10 s: \(log)")
    }
}
