import Foundation

/// What opening a spool found on disk.
public struct SpoolRecoveryReport: Sendable, Hashable {
    /// Records left from a previous run (spooled, not yet drained).
    public var pendingRecords: Int
    /// Bytes cut off the end of the last segment: a frame torn by a crash (never a record
    /// whose append was acknowledged, since acknowledgement follows the fsync).
    public var truncatedBytes: Int
    /// Why the tail was cut, when it was.
    public var truncationReason: String?
}

/// Rebuilds the spool's ledger from its directory after a clean stop or a crash.
///
/// Only the last segment can hold a torn write (earlier ones were complete when the writer
/// moved on), so only it is scanned frame by frame and cut back to its last whole frame.
enum SpoolRecovery {
    struct Checkpoint: Codable {
        var sequence: UInt64
        var segment: UInt64
        var offset: Int
    }

    static func readCheckpoint(_ directory: String) throws -> SpoolPosition? {
        let path = directory + "/" + SpoolFiles.checkpointName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let bytes = try SpoolFiles.read(path, offset: 0, count: 4096)
        guard let checkpoint = try? JSONDecoder().decode(Checkpoint.self, from: Data(bytes)) else {
            throw SpoolError(.io, "the spool checkpoint \(path) is unreadable; move it away to replay the whole spool (store appends are idempotent)")
        }
        return SpoolPosition(sequence: checkpoint.sequence, segment: checkpoint.segment, offset: checkpoint.offset)
    }

    static func writeCheckpoint(_ position: SpoolPosition, directory: String) throws {
        let data = try JSONEncoder().encode(Checkpoint(sequence: position.sequence, segment: position.segment, offset: position.offset))
        try SpoolFiles.replaceDurably(directory + "/" + SpoolFiles.checkpointName, with: Array(data), directory: directory)
    }

    static func recover(directory: String, options: EvidenceSpool.Options) throws -> (SpoolLedger, SpoolRecoveryReport) {
        var firsts = try SpoolFiles.listSegments(in: directory)
        var drained = try readCheckpoint(directory) ?? SpoolPosition(sequence: 0, segment: firsts.first ?? 1, offset: 0)
        // Segments wholly before the cursor were drained; their removal may not have reached the disk.
        if let index = firsts.firstIndex(of: drained.segment) {
            for first in firsts[..<index] { SpoolFiles.remove(path(directory, first)) }
            firsts.removeFirst(index)
        } else if let index = firsts.firstIndex(where: { $0 > drained.sequence }) {
            // The cursor's segment was trimmed after the cursor moved past its end.
            for first in firsts[..<index] { SpoolFiles.remove(path(directory, first)) }
            firsts.removeFirst(index)
            drained = SpoolPosition(sequence: drained.sequence, segment: firsts[0], offset: 0)
        } else {
            for first in firsts { SpoolFiles.remove(path(directory, first)) }
            firsts = []
        }
        if firsts.isEmpty {
            let first = drained.sequence + 1
            let fd = try SpoolFiles.openForAppend(path(directory, first))
            SpoolFiles.closeDescriptor(fd)
            try SpoolFiles.syncDirectory(directory)
            firsts = [first]
            drained = SpoolPosition(sequence: drained.sequence, segment: first, offset: 0)
        }
        var segments: [SpoolSegment] = []
        var marks: [(sequence: UInt64, atMs: Int64)] = []
        var report = SpoolRecoveryReport(pendingRecords: 0, truncatedBytes: 0, truncationReason: nil)
        for (index, first) in firsts.enumerated() {
            let file = path(directory, first)
            if index + 1 < firsts.count {
                let segment = SpoolSegment(firstSequence: first, records: Int(firsts[index + 1] - first), bytes: try SpoolFiles.size(file))
                segments.append(segment)
                let at = first == drained.segment ? drained.offset : 0
                if let mark = try headerMark(file, offset: at) { marks.append(mark) }
                continue
            }
            let bytes = try SpoolFiles.read(file, offset: 0, count: try SpoolFiles.size(file))
            let scan = SpoolScan.scan(bytes, firstSequence: first)
            if scan.validEnd < bytes.count {
                try SpoolFiles.truncate(file, to: scan.validEnd)
                report.truncatedBytes = bytes.count - scan.validEnd
                report.truncationReason = scan.stopReason
            }
            segments.append(SpoolSegment(firstSequence: first, records: scan.frames.count, bytes: scan.validEnd))
            for frame in scan.frames where frame.sequence > drained.sequence {
                if marks.isEmpty || frame.appendedAtMs - marks[marks.count - 1].atMs >= 1000 { marks.append((frame.sequence, frame.appendedAtMs)) }
            }
        }
        let limit = options.limitBytes
        let ledger = SpoolLedger(
            segments: segments, drained: drained, limitBytes: limit, highWaterBytes: Int(Double(limit) * options.highWaterFraction),
            segmentTargetBytes: options.segmentBytes, marks: marks)
        report.pendingRecords = ledger.backlogRecords
        return (ledger, report)
    }

    static func path(_ directory: String, _ first: UInt64) -> String { directory + "/" + SpoolFiles.segmentName(first) }

    private static func headerMark(_ file: String, offset: Int) throws -> (sequence: UInt64, atMs: Int64)? {
        let header = try SpoolFiles.read(file, offset: offset, count: SpoolFrame.headerBytes)
        guard header.count == SpoolFrame.headerBytes else { return nil }
        return header.withUnsafeBytes { raw in
            (SpoolFrame.readLE(UInt64.self, raw, 8), Int64(bitPattern: SpoolFrame.readLE(UInt64.self, raw, 16)))
        }
    }
}
