import AAMControlProtocol

/// The Live view's recent calls: a fixed-capacity ring, so absorbing an event is O(1) and
/// memory stays bounded however fast the daemon pushes.
public struct CallRing: Sendable, Equatable {
    /// Most rows kept; the oldest is overwritten beyond it.
    public let capacity: Int
    private var storage: [CallRow] = []
    /// Index in `storage` of the oldest row once the ring is full.
    private var oldest = 0

    public init(capacity: Int = 2_000) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(self.capacity)
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    /// Adds the newest row in O(1), dropping the oldest when full.
    public mutating func append(_ row: CallRow) {
        if storage.count < capacity {
            storage.append(row)
        } else {
            storage[oldest] = row
            oldest = (oldest + 1) % capacity
        }
    }

    /// The `index`-th newest row (0 = the most recent).
    public subscript(newest index: Int) -> CallRow {
        storage[(oldest + storage.count - 1 - index) % storage.count]
    }

    /// All rows, newest first.
    public var newestFirst: [CallRow] {
        (0..<storage.count).map { self[newest: $0] }
    }
}
