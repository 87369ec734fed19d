/// Finds the records a store refuses because of their content, so that one bad record cannot
/// stall the evidence behind it.
///
/// The batch is written whole; when the store refuses it for its content (`isContentRefusal`),
/// it is split in halves and each half written in order, down to single records: those refused
/// alone are returned (with the store's error) and everything else has been written. Any other
/// failure (the database unreachable, a timeout) is thrown at once: nothing is isolated on a
/// transient error, and the caller retries the batch later (store appends are idempotent, so
/// the parts already written are harmless to write again).
///
/// Pure: the store is the `write` closure, so tests drive it with a fake that refuses chosen
/// records, permanently or transiently.
public enum RefusalIsolation {
    public struct Refused: Sendable {
        /// Position of the refused record in the batch.
        public var offset: Int
        /// What the store said about it alone.
        public var reason: any Error
    }

    /// Whether `error` is a content refusal (`StoreWriteRefusal`); any other error is transient.
    public static func isContentRefusal(_ error: any Error) -> Bool {
        (error as? any StoreWriteRefusal)?.refusesContent ?? false
    }

    public static func write<Item: Sendable>(
        _ items: [Item], isContentRefusal: (any Error) -> Bool, write: ([Item]) async throws -> Void
    ) async throws -> [Refused] {
        var refused: [Refused] = []
        // Ranges still to write, the next one last (in batch order).
        var pending: [Range<Int>] = items.isEmpty ? [] : [items.indices]
        while let range = pending.popLast() {
            do {
                try await write(Array(items[range]))
            } catch where isContentRefusal(error) {
                if range.count == 1 {
                    refused.append(Refused(offset: range.lowerBound, reason: error))
                } else {
                    let middle = range.lowerBound + range.count / 2
                    pending.append(middle..<range.upperBound)
                    pending.append(range.lowerBound..<middle)
                }
            }
        }
        return refused
    }
}
