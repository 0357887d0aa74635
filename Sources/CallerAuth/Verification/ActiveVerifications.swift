import Foundation

/// The verifications this process is running: their task, why they were cancelled, and who
/// waits for them. Entries go away once the final record is saved.
///
/// Every save of one verification is made by its own task, one after another, so the events
/// of one `txn` are always in order; this actor only hands out the task handle and wakes the
/// waiters after the task saved a record.
actor ActiveVerifications {
    private struct Entry {
        var record: VerificationRecord
        var task: Task<Void, Never>?
        /// Set by `cancel`: the error the cancelled record gets.
        var cancelError: String?
        var cancelReason: String?
        /// Waiting for `pending` or a final record (the starter).
        var milestoneWaiters: [Int: CheckedContinuation<VerificationRecord?, Never>] = [:]
        /// Waiting for the final record.
        var finalWaiters: [Int: CheckedContinuation<VerificationRecord?, Never>] = [:]
    }

    private var entries: [String: Entry] = [:]
    private var nextWaiter = 0

    var count: Int { entries.count }

    func add(_ record: VerificationRecord) {
        entries[record.txn] = Entry(record: record)
    }

    /// Hands the task to its entry; cancels it at once if a cancel came first.
    func attach(_ task: Task<Void, Never>, txn: String) {
        guard entries[txn] != nil else { return task.cancel() }
        entries[txn]?.task = task
        if entries[txn]?.cancelError != nil { task.cancel() }
    }

    /// Called by the verification's task after each save.
    func saved(_ record: VerificationRecord) {
        guard var entry = entries[record.txn] else { return }
        entry.record = record
        if record.status != .started {
            for waiter in entry.milestoneWaiters.values { waiter.resume(returning: record) }
            entry.milestoneWaiters.removeAll()
        }
        if record.status.isFinal {
            for waiter in entry.finalWaiters.values { waiter.resume(returning: record) }
            entries[record.txn] = nil
        } else {
            entries[record.txn] = entry
        }
    }

    /// Marks the verification cancelled and cancels its task. False when it is not running here.
    func requestCancel(txn: String, error: String, reason: String) -> Bool {
        guard entries[txn] != nil else { return false }
        if entries[txn]?.cancelError == nil {
            entries[txn]?.cancelError = error
            entries[txn]?.cancelReason = reason
        }
        entries[txn]?.task?.cancel()
        return true
    }

    /// The error and reason `cancel` gave, if it was called.
    func cancellation(txn: String) -> (error: String, reason: String)? {
        guard let entry = entries[txn], let error = entry.cancelError else { return nil }
        return (error, entry.cancelReason ?? "cancelled")
    }

    /// The latest saved record of a running verification.
    func current(txn: String) -> VerificationRecord? { entries[txn]?.record }

    /// Waits for `pending` or a final record; nil when `txn` is not running here.
    func milestone(txn: String) async -> VerificationRecord? {
        guard let entry = entries[txn] else { return nil }
        if entry.record.status != .started { return entry.record }
        return await withCheckedContinuation { continuation in
            nextWaiter += 1
            entries[txn]?.milestoneWaiters[nextWaiter] = continuation
        }
    }

    /// Waits for the final record; nil when `txn` is not running here or the waiting task is
    /// cancelled (a timeout).
    func final(txn: String) async -> VerificationRecord? {
        guard entries[txn] != nil else { return nil }
        nextWaiter += 1
        let id = nextWaiter
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                addFinalWaiter(continuation, id: id, txn: txn)
            }
        } onCancel: {
            Task { await self.removeFinalWaiter(id: id, txn: txn) }
        }
    }

    private func addFinalWaiter(_ continuation: CheckedContinuation<VerificationRecord?, Never>, id: Int, txn: String) {
        // The entry may have finished, or the waiting task been cancelled, while this was queued.
        guard entries[txn] != nil, !Task.isCancelled else { return continuation.resume(returning: nil) }
        entries[txn]?.finalWaiters[id] = continuation
    }

    private func removeFinalWaiter(id: Int, txn: String) {
        entries[txn]?.finalWaiters.removeValue(forKey: id)?.resume(returning: nil)
    }
}
