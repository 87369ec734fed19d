import AAMCore
import Dispatch
import Foundation

/// Records read from the spool for the drain, and the position just after them.
public struct SpoolBatch: Sendable {
    /// A record the spool holds but cannot hand over as an item: kept as raw bytes for the
    /// quarantine (never dropped).
    public struct Unreadable: Sendable {
        /// Its spool sequence (the first one, for the rest of a damaged segment).
        public var sequence: UInt64
        /// What is wrong with it (no record contents).
        public var reason: String
        /// The payload (or, for a damaged segment, every byte from the damage to its end).
        public var bytes: [UInt8]
    }

    public var items: [EvidenceItem]
    /// The spool sequence of each item (parallel to `items`).
    public var sequences: [UInt64] = []
    /// Records that could not be read back, with their bytes.
    public var unreadableRecords: [Unreadable] = []
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

    /// `readPending` without decoding: the payloads as spooled (the SIEM outbox keeps its own
    /// records in a spool of its own).
    public func readPendingPayloads(maxRecords: Int = 1000, maxBytes: Int = 4 << 20) async throws -> SpoolRawBatch? {
        let (position, segments) = state.withLock { ($0.ledger.drained, $0.ledger.segments) }
        let directory = directory
        return try await onReaderQueue {
            try Self.readRaw(directory: directory, from: position, segments: segments, maxRecords: maxRecords, maxBytes: maxBytes)
        }
    }

    static func read(directory: String, from start: SpoolPosition, segments: [SpoolSegment], maxRecords: Int, maxBytes: Int) throws -> SpoolBatch? {
        guard let raw = try readRaw(directory: directory, from: start, segments: segments, maxRecords: maxRecords, maxBytes: maxBytes) else { return nil }
        var items: [EvidenceItem] = []
        items.reserveCapacity(raw.payloads.count)
        var sequences: [UInt64] = []
        var unreadable = raw.unreadableRecords
        for (sequence, payload) in zip(raw.sequences, raw.payloads) {
            do {
                items.append(try SpoolCodec.decode(payload))
                sequences.append(sequence)
            } catch {
                unreadable.append(.init(sequence: sequence, reason: "record \(sequence) does not decode: \(error)", bytes: payload))
            }
        }
        unreadable.sort { $0.sequence < $1.sequence }
        var batch = SpoolBatch(items: items, end: raw.end, unreadable: raw.unreadable + (unreadable.count - raw.unreadableRecords.count), problems: unreadable.map(\.reason))
        batch.sequences = sequences
        batch.unreadableRecords = unreadable
        return batch
    }

    static func readRaw(directory: String, from start: SpoolPosition, segments: [SpoolSegment], maxRecords: Int, maxBytes: Int) throws -> SpoolRawBatch? {
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
            // Durable bytes that do not decode as frames (only disk damage does that inside a
            // completed segment): the rest of this segment is unreadable. Hand its bytes over
            // for the quarantine and move on, rather than stall every later record behind it.
            let lastSequence = segment.nextSequence - 1
            let reason = "\(SpoolFiles.segmentName(segment.firstSequence)): \(scan.stopReason ?? "unreadable")"
            let rest = try SpoolFiles.read(file, offset: position.offset, count: available)
            return SpoolRawBatch(
                payloads: [], sequences: [],
                end: SpoolPosition(sequence: max(lastSequence, position.sequence), segment: segment.firstSequence, offset: segment.bytes),
                unreadable: Int(lastSequence - min(lastSequence, position.sequence)),
                unreadableRecords: rest.isEmpty ? [] : [.init(sequence: position.sequence + 1, reason: reason, bytes: rest)])
        }
        return SpoolRawBatch(
            payloads: scan.frames.map { Array(bytes[$0.payload]) }, sequences: scan.frames.map(\.sequence),
            end: SpoolPosition(sequence: last.sequence, segment: segment.firstSequence, offset: position.offset + last.end),
            unreadable: 0, unreadableRecords: [])
    }
}

/// Records read from a spool as the payloads that were appended.
public struct SpoolRawBatch: Sendable {
    public var payloads: [[UInt8]]
    /// The spool sequence of each payload.
    public var sequences: [UInt64]
    /// Commit this once the payloads are handled.
    public var end: SpoolPosition
    /// Records skipped because their frames are damaged (their bytes are in `unreadableRecords`).
    public var unreadable: Int
    public var unreadableRecords: [SpoolBatch.Unreadable]
}
