import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawnp`, waited for without blocking a thread.
///
/// Why not Foundation's `Process`: on Linux with Swift 6.3, `Process.run()` crashes
/// intermittently (a 256-byte over-read of `/proc/self/fd` entries in
/// `findMaximumOpenFromProcSelfFD()`, swift-corelibs-foundation PR #5472), most often in a
/// process with many open sockets — exactly a FastAGI server running its word-pair TTS
/// command, or a test suite with servers in it. Waiting with `waitUntilExit()` also blocks a
/// thread of the cooperative pool, which on a 2-core machine has only two.
///
/// Output is redirected to files (or `/dev/null`), never pipes, so a chatty child can never
/// block on a full pipe. The child gets no inherited descriptors beyond 0, 1 and 2.
public final class SpawnedProcess: @unchecked Sendable {  // pid is immutable; status is lock-protected
    /// Where a child's standard output or error goes.
    public enum Output: Sendable {
        case discard
        case file(String)
    }

    /// Why a process could not be started or waited for.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public let pid: pid_t
    public let program: String
    private let lock = NSLock()
    private var exitStatus: Int32?

    private init(pid: pid_t, program: String) {
        self.pid = pid
        self.program = program
    }

    /// A child must never be left a zombie: besides the process-table slot, any
    /// `waitid(P_ALL, WNOWAIT)` watcher in this process (Swift Testing's exit-test monitor is one)
    /// would see it forever. If nobody waited, a detached task reaps it when it ends.
    deinit {
        lock.lock()
        if exitStatus == nil { reap(flags: WNOHANG) }
        let pending = exitStatus == nil
        lock.unlock()
        guard pending else { return }
        let pid = self.pid
        Task.detached {
            var raw: Int32 = 0
            while waitpid(pid, &raw, WNOHANG) == 0 {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Starts `arguments[0]` (looked up in `PATH` unless it contains a `/`).
    ///
    /// - Parameters:
    ///   - environment: the child's complete environment; `nil` inherits this process's.
    ///   - directory: the child's working directory; `nil` keeps this process's.
    ///   - descriptors: extra descriptors the child gets, child number -> this process's
    ///     descriptor (3 and up; e.g. Chromium's `--remote-debugging-pipe` reads 3, writes 4).
    public static func spawn(
        _ arguments: [String],
        environment: [String: String]? = nil,
        directory: String? = nil,
        stdout: Output = .discard,
        stderr: Output = .discard,
        descriptors: [Int32: Int32] = [:]
    ) throws -> SpawnedProcess {
        guard let program = arguments.first, !program.isEmpty else {
            throw Failure(description: "no program to run")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for (fd, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .discard:
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            }
        }
        if let directory {
            guard let addchdir = SpawnExtensions.addchdir else {
                throw Failure(description: "this C library cannot set a child's working directory")
            }
            let rc = directory.withCString { addchdir(&actions, $0) }
            guard rc == 0 else { throw Failure(description: "cannot use directory \(directory): \(String(cString: strerror(rc)))") }
        }
        // The requested extra descriptors (dup2 clears close-on-exec on the copy).
        guard descriptors.keys.allSatisfy({ $0 >= 3 && $0 < 64 }), descriptors.values.allSatisfy({ $0 >= 0 }),
              Set(descriptors.values).isDisjoint(with: descriptors.keys) else {
            throw Failure(description: "extra descriptors must be numbered 3 to 63 and not overlap their sources")
        }
        for (child, parent) in descriptors.sorted(by: { $0.key < $1.key }) {
            posix_spawn_file_actions_adddup2(&actions, parent, child)
        }
        // Close every other inherited descriptor above stderr (listening sockets, epoll, ...).
        if let closefrom = SpawnExtensions.addclosefrom {
            _ = closefrom(&actions, (descriptors.keys.max() ?? 2) + 1)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default signal dispositions and an empty mask in the child (we ignore SIGPIPE).
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = CStringArray(arguments)
        let envStrings: [String]
        if let environment {
            envStrings = environment.map { "\($0.key)=\($0.value)" }
        } else {
            envStrings = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        }
        let envp = CStringArray(envStrings)
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, program, &actions, &attributes, argv.pointers, envp.pointers)
        guard rc == 0 else {
            throw Failure(description: "cannot start \(program): \(String(cString: strerror(rc)))")
        }
        return SpawnedProcess(pid: pid, program: program)
    }

    /// The exit status once the process has ended (`128 + signal` when killed by a signal).
    public var status: Int32? {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus == nil { reap(flags: WNOHANG) }
        return exitStatus
    }

    public var isRunning: Bool { status == nil }

    /// Sends a signal (SIGTERM, SIGINT, SIGKILL...). Does nothing once the process was reaped.
    public func signal(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus == nil { kill(pid, signal) }
    }

    /// Waits for the process to end, polling without blocking a thread. After `timeout` the
    /// process is killed (SIGKILL) and `Failure` is thrown. Cancellation kills it too.
    @discardableResult
    public func wait(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        var pause = Duration.milliseconds(1)
        while true {
            if let status { return status }
            if ContinuousClock.now >= deadline || Task.isCancelled {
                signal(SIGKILL)
                _ = try? await waitBriefly()
                throw Failure(description: "\(program) did not finish within \(timeout); killed")
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(10))
        }
    }

    private func waitBriefly() async throws -> Int32? {
        for _ in 0..<200 {
            if let status { return status }
            try await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Must be called with the lock held.
    private func reap(flags: Int32) {
        var raw: Int32 = 0
        let rc = waitpid(pid, &raw, flags)
        guard rc == pid else { return }
        let low = raw & 0x7f
        exitStatus = low == 0 ? (raw >> 8) & 0xff : 128 + low
    }

    /// Runs a command to completion and returns its status and captured output.
    ///
    /// Output goes through temporary files that are removed afterwards.
    public static func run(
        _ arguments: [String],
        environment: [String: String]? = nil,
        directory: String? = nil,
        timeout: Duration
    ) async throws -> (status: Int32, stdout: Data, stderr: Data) {
        let base = NSTemporaryDirectory() + "spawn-\(UUID().uuidString)"
        let outPath = base + ".out"
        let errPath = base + ".err"
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        let child = try spawn(arguments, environment: environment, directory: directory,
                              stdout: .file(outPath), stderr: .file(errPath))
        let status = try await child.wait(timeout: timeout)
        let out = FileManager.default.contents(atPath: outPath) ?? Data()
        let err = FileManager.default.contents(atPath: errPath) ?? Data()
        return (status, out, err)
    }
}

/// glibc's `_np` spawn extensions are declared only under `_GNU_SOURCE`, which Swift's Glibc
/// module does not see; look them up at run time instead.
private enum SpawnExtensions {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    static let addchdir: AddChdir? = lookup("posix_spawn_file_actions_addchdir_np")
    static let addclosefrom: AddCloseFrom? = lookup("posix_spawn_file_actions_addclosefrom_np")

    private static func lookup<T>(_ name: String) -> T? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: T.self)
    }
}

/// A NULL-terminated `char *const[]` that owns its strings.
private final class CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: strings.count + 1)
        for (i, s) in strings.enumerated() { pointers[i] = strdup(s) }
        pointers[strings.count] = nil
    }

    deinit {
        for i in 0..<count { free(pointers[i]) }
        pointers.deallocate()
    }
}
