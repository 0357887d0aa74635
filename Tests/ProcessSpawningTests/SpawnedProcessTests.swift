import Foundation
import Testing
import ProcessSpawning

@Suite struct SpawnedProcessTests {
    @Test func capturesOutputAndExitStatus() async throws {
        let result = try await SpawnedProcess.run(["sh", "-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(20))
        #expect(result.status == 3)
        #expect(String(decoding: result.stdout, as: UTF8.self) == "out\n")
        #expect(String(decoding: result.stderr, as: UTF8.self) == "err\n")
    }

    @Test func environmentAndDirectoryAreTheChildsOwn() async throws {
        let result = try await SpawnedProcess.run(["sh", "-c", "printf '%s %s' \"$ONLY\" \"$(pwd)\""],
                                                  environment: ["ONLY": "this", "PATH": "/usr/bin:/bin"],
                                                  directory: "/tmp", timeout: .seconds(20))
        #expect(String(decoding: result.stdout, as: UTF8.self) == "this /tmp")
    }

    @Test func inheritedDescriptorsAreClosed() async throws {
        // An open descriptor of ours (without CLOEXEC) must not reach the child.
        let fd = open("/dev/null", O_RDONLY)
        defer { close(fd) }
        let result = try await SpawnedProcess.run(["sh", "-c", "ls /proc/self/fd"], timeout: .seconds(20))
        let fds = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
        #expect(!fds.contains(Int(fd)) || fd <= 3, "descriptor \(fd) leaked into the child: \(fds)")
    }

    @Test func timeoutKillsTheChild() async throws {
        let started = ContinuousClock.now
        await #expect(throws: SpawnedProcess.Failure.self) {
            try await SpawnedProcess.run(["sleep", "3600"], timeout: .milliseconds(300))
        }
        // Without the kill the child would run an hour; the bound is far from both (a loaded
        // 2-core machine once took 25 s to get the polling task scheduled again).
        #expect(ContinuousClock.now - started < .seconds(600))
    }

    @Test func signalEndsALongRunningChild() async throws {
        let child = try SpawnedProcess.spawn(["sleep", "30"])
        #expect(child.isRunning)
        child.signal(SIGTERM)
        let status = try await child.wait(timeout: .seconds(20))
        #expect(status == 128 + SIGTERM)
    }

    @Test func missingProgramIsAClearError() {
        #expect(throws: SpawnedProcess.Failure.self) {
            try SpawnedProcess.spawn(["no-such-program-ciba-agi"])
        }
    }
}
