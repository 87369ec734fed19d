import Foundation

/// A place in the spool: just after record `sequence` (0 before the first), which is byte
/// `offset` of the segment whose first record is `segment`. The drain's durable cursor.
public struct SpoolPosition: Sendable, Hashable, Codable {
    public var sequence: UInt64
    public var segment: UInt64
    public var offset: Int

    public init(sequence: UInt64, segment: UInt64, offset: Int) {
        self.sequence = sequence
        self.segment = segment
        self.offset = offset
    }
}

/// One segment file: its first record's sequence, how many records and bytes it durably holds.
public struct SpoolSegment: Sendable, Hashable {
    public var firstSequence: UInt64
    public var records: Int
    public var bytes: Int

    public init(firstSequence: UInt64, records: Int = 0, bytes: Int = 0) {
        self.firstSequence = firstSequence
        self.records = records
        self.bytes = bytes
    }

    /// The sequence the next record appended to this segment gets.
    public var nextSequence: UInt64 { firstSequence + UInt64(records) }
}

/// What is in the spool and not yet in the database. Read by metrics and the admin API.
public struct SpoolBacklog: Sendable, Hashable {
    /// Records durably spooled and not yet drained to the store.
    public var records: Int
    /// Their size on disk (frames), compared against `limitBytes`.
    public var bytes: Int
    /// When the oldest of them was appended (to within a second), nil when empty.
    public var oldestAppendedAt: Date?
    /// The hard limit: at it, new calls are refused (`evidence_unavailable`).
    public var limitBytes: Int
    /// Segment files on disk (drained ones are trimmed, the active one stays).
    public var segments: Int

    public init(records: Int, bytes: Int, oldestAppendedAt: Date?, limitBytes: Int, segments: Int) {
        self.records = records
        self.bytes = bytes
        self.oldestAppendedAt = oldestAppendedAt
        self.limitBytes = limitBytes
        self.segments = segments
    }

    /// Seconds the oldest undrained record has waited (0 when the backlog is empty).
    public func oldestAge(now: Date) -> TimeInterval {
        oldestAppendedAt.map { max(0, now.timeIntervalSince($0)) } ?? 0
    }
}

/// A crossing of the spool's high-water mark.
public enum SpoolAlarm: Sendable, Hashable {
    /// The backlog reached the high-water mark (the database is probably unreachable).
    case raised(SpoolBacklog)
    /// The backlog fell back below half the high-water mark.
    case cleared(SpoolBacklog)
}

/// The bookkeeping of the spool, free of I/O: segments, the drained position, the backlog
/// against its limit, the high-water alarm, and the age of the oldest pending record.
///
/// The file layer tells it what became durable (`recordWritten`), what was drained
/// (`drain(to:)`) and when it opened a new segment (`rotate`); it answers what may be appended
/// (`admits`), which segments can be deleted, and the backlog figures.
public struct SpoolLedger: Sendable {
    public private(set) var segments: [SpoolSegment]
    public private(set) var drained: SpoolPosition
    public let limitBytes: Int
    public let highWaterBytes: Int
    public let segmentTargetBytes: Int
    public private(set) var alarmRaised = false
    /// (first sequence, append time) samples, at most one per second of appends, so the
    /// oldest pending record's age is known without keeping a time per record.
    private var marks: [(sequence: UInt64, atMs: Int64)] = []

    public init(
        segments: [SpoolSegment], drained: SpoolPosition, limitBytes: Int, highWaterBytes: Int, segmentTargetBytes: Int,
        marks: [(sequence: UInt64, atMs: Int64)] = []
    ) {
        // A spool always has an active segment: with none given, one starts after the drained position.
        self.segments = segments.isEmpty ? [SpoolSegment(firstSequence: drained.sequence &+ 1)] : segments
        self.drained = drained
        self.limitBytes = limitBytes
        self.highWaterBytes = highWaterBytes
        self.segmentTargetBytes = segmentTargetBytes
        self.marks = marks.filter { $0.sequence > 0 }
        self.drained = normalized(drained)
        dropDrainedMarks()
        alarmRaised = backlogBytes >= highWaterBytes
    }

    public var active: SpoolSegment { segments[segments.count - 1] }
    public var nextSequence: UInt64 { active.nextSequence }
    public var backlogRecords: Int { Int(nextSequence - 1 - drained.sequence) }

    public var backlogBytes: Int {
        var total = 0
        for segment in segments where segment.firstSequence >= drained.segment { total += segment.bytes }
        return max(0, total - drained.offset)
    }

    public func backlog() -> SpoolBacklog {
        SpoolBacklog(
            records: backlogRecords, bytes: backlogBytes,
            oldestAppendedAt: backlogRecords > 0 ? marks.first.map { Date(timeIntervalSince1970: Double($0.atMs) / 1000) } : nil,
            limitBytes: limitBytes, segments: segments.count)
    }

    /// Whether `bytes` more (plus `pendingBytes` already queued for writing) fit under the limit.
    public func admits(bytes: Int, pendingBytes: Int, reserveBytes: Int = 0) -> Bool {
        backlogBytes + pendingBytes + bytes <= limitBytes - reserveBytes
    }

    /// The active segment has reached its target size and holds records: the next batch goes to
    /// a new segment starting at `nextSequence`.
    public var needsRotation: Bool { active.records > 0 && active.bytes >= segmentTargetBytes }

    /// A new, empty active segment was created on disk.
    public mutating func rotate() {
        segments.append(SpoolSegment(firstSequence: nextSequence))
    }

    /// A batch of `records` frames (`bytes` on disk) became durable in the active segment.
    public mutating func recordWritten(records: Int, bytes: Int, atMs: Int64) -> SpoolAlarm? {
        guard records > 0 else { return nil }
        let first = nextSequence
        if marks.isEmpty || backlogRecords == 0 || atMs - marks[marks.count - 1].atMs >= 1000 {
            if backlogRecords == 0 { marks.removeAll() }
            marks.append((first, atMs))
        }
        segments[segments.count - 1].records += records
        segments[segments.count - 1].bytes += bytes
        return alarmChange()
    }

    /// Records up to `position` are in the store and the cursor is durable. Returns the segments
    /// that can now be deleted (fully drained and not active) and any alarm change.
    public mutating func drain(to position: SpoolPosition) -> (removable: [UInt64], alarm: SpoolAlarm?) {
        guard position.sequence >= drained.sequence else { return ([], nil) }
        drained = normalized(position)
        var removable: [UInt64] = []
        while segments.count > 1, segments[0].firstSequence < drained.segment {
            removable.append(segments.removeFirst().firstSequence)
        }
        dropDrainedMarks()
        return (removable, alarmChange())
    }

    /// A position at the very end of a segment moves to the start of the next one, so the
    /// segment it ends can be trimmed.
    private func normalized(_ position: SpoolPosition) -> SpoolPosition {
        var position = position
        while let index = segments.firstIndex(where: { $0.firstSequence == position.segment }), index + 1 < segments.count,
            position.offset >= segments[index].bytes
        {
            position = SpoolPosition(sequence: position.sequence, segment: segments[index + 1].firstSequence, offset: 0)
        }
        return position
    }

    private mutating func dropDrainedMarks() {
        let next = drained.sequence + 1
        if backlogRecords == 0 {
            marks.removeAll()
            return
        }
        // Keep the last mark at or before the first pending record: it bounds that record's time.
        while marks.count > 1, marks[1].sequence <= next { marks.removeFirst() }
    }

    private mutating func alarmChange() -> SpoolAlarm? {
        let bytes = backlogBytes
        if !alarmRaised, bytes >= highWaterBytes {
            alarmRaised = true
            return .raised(backlog())
        }
        if alarmRaised, bytes < highWaterBytes / 2 {
            alarmRaised = false
            return .cleared(backlog())
        }
        return nil
    }
}
