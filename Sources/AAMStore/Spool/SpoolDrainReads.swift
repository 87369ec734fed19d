import AAMCore
import Dispatch
import Foundation

/// Records read from the spool for the drain, and the position just after them.
public struct SpoolBatch: Sendable {
    public var items: [EvidenceItem]
    /// Commit this once the store holds `items`.
    public var end: SpoolPosition
    /// Records skipped because they could not be read back (a corrupt frame inside a completed
    /// segment, which only disk damage causes, or a payload that no longer decodes).
    public var unreadable: Int
    /// What was skipped and why (no record contents).
    public var problems: [String]
}

extension EvidenceSpool {
    /// The next durable records after the drained position, oldest first, at most `maxRecords`
    /// (and about `maxBytes`); nil when everything durable is drained. One drain at a time:
    /// the position only moves on `commit`, so reading again without committing re-reads.
    public func readPending(maxRecords: Int = 1000, maxBytes: Int = 4 << 20) async throws -> SpoolBatch? {
        let (position, segments) = state.withLock { ($0.ledger.drained, $0.ledger.segments) }
        let directory = directory
        return try await onReaderQueue {
            try Self.read(directory: directory, from: position, segments: segments, maxRecords: maxRecords, maxBytes: maxBytes)
        }
    }

    /// The store holds every record up to `end`: persist the cursor, then delete the segments
    /// it leaves behind. A crash between the store write and this replays the batch, which the
    /// stores ignore (appends are idempotent).
    public func commit(_ end: SpoolPosition) async throws {
        let directory = directory
        try await onReaderQueue { try SpoolRecovery.writeCheckpoint(end, directory: directory) }
        let (removable, alarm) = state.withLock { $0.ledger.drain(to: end) }
        if !removable.isEmpty {
            try await onReaderQueue {
                for first in removable { SpoolFiles.remove(SpoolRecovery.path(directory, first)) }
            }
        }
        if let alarm { alarmHandler.withLock { $0 }?(alarm) }
    }

    private func onReaderQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            readerQueue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    static func read(directory: String, from start: SpoolPosition, segments: [SpoolSegment], maxRecords: Int, maxBytes: Int) throws -> SpoolBatch? {
        guard var index = segments.firstIndex(where: { $0.firstSequence == start.segment }) else { return nil }
        var position = start
        while position.offset >= segments[index].bytes {
            guard index + 1 < segments.count else { return nil }
            index += 1
            position = SpoolPosition(sequence: position.sequence, segment: segments[index].firstSequence, offset: 0)
        }
        let segment = segments[index]
        let file = SpoolRecovery.path(directory, segment.firstSequence)
        let available = segment.bytes - position.offset
        var bytes = try SpoolFiles.read(file, offset: position.offset, count: min(available, max(maxBytes, SpoolFrame.headerBytes)))
        var scan = SpoolScan.scan(bytes, firstSequence: position.sequence + 1, maxFrames: maxRecords)
        if scan.frames.isEmpty, bytes.count >= SpoolFrame.headerBytes, bytes.count < available {
            // One frame larger than `maxBytes`: read exactly it.
            let length = bytes.withUnsafeBytes { Int(SpoolFrame.readLE(UInt32.self, $0, 0)) }
            if length <= SpoolFrame.maxPayloadBytes {
                bytes = try SpoolFiles.read(file, offset: position.offset, count: min(available, SpoolFrame.headerBytes + length))
                scan = SpoolScan.scan(bytes, firstSequence: position.sequence + 1, maxFrames: 1)
            }
        }
        guard let last = scan.frames.last else {
            // Durable bytes that do not decode: the rest of this segment is unreadable. Skip it
            // (loudly) rather than stall every later record behind it.
            let lastSequence = segment.nextSequence - 1
            return SpoolBatch(
                items: [], end: SpoolPosition(sequence: max(lastSequence, position.sequence), segment: segment.firstSequence, offset: segment.bytes),
                unreadable: Int(lastSequence - min(lastSequence, position.sequence)),
                problems: ["\(SpoolFiles.segmentName(segment.firstSequence)): \(scan.stopReason ?? "unreadable")"])
        }
        var items: [EvidenceItem] = []
        items.reserveCapacity(scan.frames.count)
        var problems: [String] = []
        for frame in scan.frames {
            do { items.append(try SpoolCodec.decode(bytes[frame.payload])) } catch {
                problems.append("record \(frame.sequence) does not decode: \(error)")
            }
        }
        return SpoolBatch(
            items: items, end: SpoolPosition(sequence: last.sequence, segment: segment.firstSequence, offset: position.offset + last.end),
            unreadable: problems.count, problems: problems)
    }
}
