import Foundation
import Testing
import Synchronization
@testable import CallerAuth

@Suite("verification store")
struct VerificationStoreTests {
    /// A wall clock the test moves.
    final class TestDate: Sendable {
        private let value = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { value.withLock { $0 } }
        func advance(minutes: Double) { value.withLock { $0 = $0.addingTimeInterval(minutes * 60) } }
    }

    static func record(_ txn: String, at date: Date, uniqueID: String? = nil, linkedID: String? = nil,
                       status: VerificationStatus = .pending) -> VerificationRecord {
        VerificationRecord(txn: txn, status: status, profile: "se-bankid", initiator: "ivr", numberMasked: "19680202****",
                           callerIDMasked: "+46701******", uniqueID: uniqueID, linkedID: linkedID, createdAt: date, updatedAt: date)
    }

    @Test func recordsExpireAfterTheRetentionSinceTheirLastUpdate() async {
        let clock = TestDate()
        let store = InMemoryVerificationStore(retentionMinutes: 60, now: { clock.now })
        await store.save(Self.record("a", at: clock.now, uniqueID: "1.1"))
        clock.advance(minutes: 30)
        var b = Self.record("b", at: clock.now, uniqueID: "1.2")
        await store.save(b)
        clock.advance(minutes: 29.9)
        #expect(await store.record(txn: "a") != nil)
        clock.advance(minutes: 0.2)
        #expect(await store.record(txn: "a") == nil)
        #expect(await store.latest(forCall: "1.1") == nil)
        #expect(await store.recent(limit: 10).map(\.txn) == ["b"])
        // An update restarts b's retention.
        b.updatedAt = clock.now
        b.status = .verified
        await store.save(b)
        #expect(await store.count == 1, "the sweep on save removed a")
        clock.advance(minutes: 59)
        #expect(await store.record(txn: "b")?.status == .verified)
        clock.advance(minutes: 2)
        #expect(await store.record(txn: "b") == nil)
    }

    @Test func lookupByUniqueIDOrLinkedIDGivesTheNewest() async {
        let clock = TestDate()
        let store = InMemoryVerificationStore(now: { clock.now })
        await store.save(Self.record("ivr-1", at: clock.now, uniqueID: "100.1", linkedID: "100.1"))
        clock.advance(minutes: 1)
        await store.save(Self.record("agent-1", at: clock.now, uniqueID: "100.7", linkedID: "100.1"))
        await store.save(Self.record("other", at: clock.now, uniqueID: "200.1", linkedID: "200.1"))
        #expect(await store.latest(forCall: "100.1")?.txn == "agent-1", "newest of the two on linkedid 100.1")
        #expect(await store.latest(forCall: "100.7")?.txn == "agent-1")
        #expect(await store.latest(forCall: "200.1")?.txn == "other")
        #expect(await store.latest(forCall: "999.9") == nil)
        #expect(await store.latest(forCall: "") == nil)
        // Same createdAt: the one saved last is newer.
        #expect(await store.recent(limit: 2).map(\.txn) == ["other", "agent-1"])
        #expect(await store.recent(limit: 0).isEmpty)
    }

    @Test func everySubscriberGetsEverySaveInOrder() async {
        let store = InMemoryVerificationStore()
        let first = store.events()
        let second = store.events()
        let date = Date()
        for i in 0..<5 { await store.save(Self.record("t\(i)", at: date)) }
        var a = first.makeAsyncIterator()
        var b = second.makeAsyncIterator()
        for i in 0..<5 {
            #expect(await a.next()?.txn == "t\(i)")
            #expect(await b.next()?.txn == "t\(i)")
        }
    }

    @Test func aSlowSubscriberIsDisconnectedAndTheOthersGoOn() async {
        let store = InMemoryVerificationStore(eventBufferLimit: 4)
        let slow = store.events()
        let fast = store.events()
        var fastReader = fast.makeAsyncIterator()
        let date = Date()
        for i in 0..<10 {
            await store.save(Self.record("t\(i)", at: date))
            #expect(await fastReader.next()?.txn == "t\(i)")
        }
        var slowSeen: [String] = []
        for await record in slow { slowSeen.append(record.txn) }
        #expect(slowSeen == ["t0", "t1", "t2", "t3"], "the buffered ones, then the end of the stream")
        await store.save(Self.record("t10", at: date))
        #expect(await fastReader.next()?.txn == "t10")
    }

    @Test func finishedSubscribersAreForgotten() async {
        let broadcaster = VerificationEventBroadcaster(bufferLimit: 2)
        var streams = [broadcaster.subscribe(), broadcaster.subscribe()]
        #expect(broadcaster.subscriberCount == 2)
        let date = Date()
        for i in 0..<3 { broadcaster.publish(Self.record("t\(i)", at: date)) }
        #expect(broadcaster.subscriberCount == 0, "both fell behind")
        streams.removeAll()
        #expect(streams.isEmpty)
    }
}
