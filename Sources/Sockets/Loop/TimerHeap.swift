/// A binary min-heap of timers by deadline, with O(log n) removal.
///
/// Each timer remembers its index, so cancelling a timer removes it at once instead of leaving
/// a dead entry behind: ten thousand held calls that each arm and cancel a reply timeout per
/// command keep the heap at ten thousand entries. Only used under `EventLoop`'s mutex.
struct TimerHeap {
    private var items: [ScheduledTimer] = []
    private var sequence: UInt64 = 0

    var first: ScheduledTimer? { items.first }
    var nextDeadline: UInt64 { items.first?.deadline ?? .max }
    var count: Int { items.count }

    mutating func insert(_ timer: ScheduledTimer) {
        guard timer.heapIndex < 0 else { return }
        sequence &+= 1
        timer.sequence = sequence
        timer.heapIndex = items.count
        items.append(timer)
        siftUp(items.count - 1)
    }

    mutating func remove(_ timer: ScheduledTimer) {
        let index = timer.heapIndex
        guard index >= 0, index < items.count, items[index] === timer else { return }
        let last = items.count - 1
        if index != last {
            items.swapAt(index, last)
            items[index].heapIndex = index
        }
        items.removeLast()
        timer.heapIndex = -1
        if index < items.count {
            siftDown(index)
            siftUp(index)
        }
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        let x = items[a], y = items[b]
        return x.deadline < y.deadline || (x.deadline == y.deadline && x.sequence < y.sequence)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { return }
            items.swapAt(child, parent)
            items[child].heapIndex = child
            items[parent].heapIndex = parent
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && less(left, smallest) { smallest = left }
            if right < items.count && less(right, smallest) { smallest = right }
            if smallest == parent { return }
            items.swapAt(parent, smallest)
            items[parent].heapIndex = parent
            items[smallest].heapIndex = smallest
            parent = smallest
        }
    }
}
