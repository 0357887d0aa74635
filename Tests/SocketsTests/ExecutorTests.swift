import Testing
@testable import Sockets

@Suite struct SocketLoopExecutorTests {
    @Test func tasksPreferringTheLoopRunOnTheLoopThread() async throws {
        let (onLoop, childOnLoop, unstructuredOnLoop, afterRead) = try await Task(executorPreference: SocketLoopExecutor.shared) {
            let first = SocketLoopExecutor.shared.isCurrent
            async let child = SocketLoopExecutor.shared.isCurrent
            let unstructured = await Task { SocketLoopExecutor.shared.isCurrent }.value
            let (listener, client, server) = try await loopbackPair()
            defer { listener.close(); client.close(); server.close() }
            try await client.write([1])
            _ = try await server.read(timeout: .seconds(5))
            let afterRead = SocketLoopExecutor.shared.isCurrent
            return (first, await child, unstructured, afterRead)
        }.value
        #expect(onLoop)
        #expect(childOnLoop)
        #expect(afterRead)
        print("unstructured Task inherits loop preference: \(unstructuredOnLoop)")
        #expect(!SocketLoopExecutor.shared.isCurrent)
    }
}
