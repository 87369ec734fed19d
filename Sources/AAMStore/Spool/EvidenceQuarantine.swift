import AAMCore
import Dispatch
import Foundation
import Synchronization

/// One record set aside because the database refused it (or the spool could not read it back).
public struct QuarantinedEvidence: Sendable, Codable, Hashable {
    /// Unique in the quarantine: `<spool sequence>:<kind>:<id>`.
    public var key: String
    /// Its sequence in the spool it came from.
    public var sequence: UInt64
    /// `call`, `audit`, or `unreadable` (bytes the spool could not decode).
    public var kind: String
    /// The call's request id or the audit entry's sequence (nil for unreadable bytes).
    public var id: String?
    public var quarantinedAt: Date
    /// The database's error (or why the bytes could not be read), never record contents.
    public var reason: String
    /// The record, intact, as it was spooled.
    public var item: EvidenceItem?
    /// Unreadable bytes, base64, intact.
    public var raw: String?

    public init(sequence: UInt64, item: EvidenceItem, reason: String, at: Date) {
        switch item {
        case .call(let record): (kind, id) = ("call", record.requestId)
        case .audit(let entry): (kind, id) = ("audit", String(entry.sequence))
        }
        self.key = "\(sequence):\(kind):\(id ?? "")"
        self.sequence = sequence
        self.quarantinedAt = at
        self.reason = reason
        self.item = item
        self.raw = nil
    }

    public init(sequence: UInt64, unreadable bytes: [UInt8], reason: String, at: Date) {
        self.key = "\(sequence):unreadable:"
        self.sequence = sequence
        self.kind = "unreadable"
        self.id = nil
        self.quarantinedAt = at
        self.reason = reason
        self.item = nil
        self.raw = Data(bytes).base64EncodedString()
    }

    /// What the admin API lists: everything but the record and bytes.
    public var summary: QuarantinedEvidence {
        var summary = self
        summary.item = nil
        summary.raw = nil
        return summary
    }
}

/// Evidence the drain could not write, kept intact so it is never lost: a JSON-lines file
/// (`quarantine.jsonl`) in the spool directory, appended and fsynced before the drain moves its
/// cursor past the records. Idempotent by key (a batch re-read after a crash or a transient
/// failure does not quarantine a record twice).
///
/// The operator sees it (`GET /admin/evidence/quarantine`, `aam_evidence_quarantine_records`),
/// and either re-drives it into the spool (`redrive`: after the cause is fixed, the records
/// drain again; refused again, they come back here under new keys) or discards it (`discard`).
///
/// File I/O runs on the quarantine's own serial queue; the file is read once, at first use.
public final class EvidenceQuarantine: Sendable {
    public static let fileName = "quarantine.jsonl"

    struct State {
        var loaded = false
        /// Summaries (no record, no bytes) in file order.
        var entries: [QuarantinedEvidence] = []
        var keys: Set<String> = []
    }

    public let path: String
    let directory: String
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "aam.spool.quarantine")
    private let added = Atomic<Int>(0)

    public init(directory: String) {
        self.directory = directory
        self.path = directory + "/" + Self.fileName
    }

    /// Records quarantined since this process started.
    public var quarantinedSinceStart: Int { added.load(ordering: .relaxed) }

    /// Records in the quarantine now (0 before its first use).
    public var count: Int { state.withLock { $0.entries.count } }

    /// Appends the entries not already present, durably. Returns those actually added.
    @discardableResult
    public func add(_ entries: [QuarantinedEvidence]) async throws -> [QuarantinedEvidence] {
        try await onQueue { [self] in
            try loadIfNeeded()
            var seen = state.withLock { $0.keys }
            let fresh = entries.filter { seen.insert($0.key).inserted }
            guard !fresh.isEmpty else { return [] }
            var bytes: [UInt8] = []
            let encoder = JSONEncoder()
            for entry in fresh {
                bytes += Array(try encoder.encode(entry))
                bytes.append(0x0A)
            }
            let fd = try SpoolFiles.openForAppend(path)
            defer { SpoolFiles.closeDescriptor(fd) }
            try SpoolFiles.writeAll(fd, bytes, path: path)
            try SpoolFiles.sync(fd, path: path)
            try SpoolFiles.syncDirectory(directory)
            state.withLock { state in
                for entry in fresh {
                    state.entries.append(entry.summary)
                    state.keys.insert(entry.key)
                }
            }
            added.wrappingAdd(fresh.count, ordering: .relaxed)
            return fresh
        }
    }

    /// Summaries (no record contents), oldest first.
    public func list() async throws -> [QuarantinedEvidence] {
        try await onQueue { [self] in
            try loadIfNeeded()
            return state.withLock { $0.entries }
        }
    }

    /// The full entries (records and bytes included), oldest first.
    public func entries() async throws -> [QuarantinedEvidence] {
        try await onQueue { [self] in try readFile().entries }
    }

    /// Removes the entries with these keys (nil: all), durably. Returns the removed entries,
    /// complete (the caller re-drives or reports them).
    @discardableResult
    public func remove(keys: Set<String>?) async throws -> [QuarantinedEvidence] {
        try await onQueue { [self] in
            let all = try readFile().entries
            let removed = all.filter { keys?.contains($0.key) ?? true }
            guard !removed.isEmpty else { return [] }
            let kept = all.filter { !(keys?.contains($0.key) ?? true) }
            var bytes: [UInt8] = []
            let encoder = JSONEncoder()
            for entry in kept {
                bytes += Array(try encoder.encode(entry))
                bytes.append(0x0A)
            }
            try SpoolFiles.replaceDurably(path, with: bytes, directory: directory)
            state.withLock { state in
                state.entries = kept.map(\.summary)
                state.keys = Set(kept.map(\.key))
                state.loaded = true
            }
            return removed
        }
    }

    /// Reads the summaries once. A line torn by a crash (the last one, without its newline) is
    /// cut off so the next append starts on a line of its own.
    private func loadIfNeeded() throws {
        guard !state.withLock({ $0.loaded }) else { return }
        let (entries, validEnd, size) = try readFile()
        if validEnd < size { try SpoolFiles.truncate(path, to: validEnd) }
        state.withLock { state in
            state.entries = entries.map(\.summary)
            state.keys = Set(entries.map(\.key))
            state.loaded = true
        }
    }

    /// Every whole line that decodes; lines that do not (damage) are skipped, never fatal.
    private func readFile() throws -> (entries: [QuarantinedEvidence], validEnd: Int, size: Int) {
        guard FileManager.default.fileExists(atPath: path) else { return ([], 0, 0) }
        let bytes = try SpoolFiles.read(path, offset: 0, count: try SpoolFiles.size(path))
        let decoder = JSONDecoder()
        var entries: [QuarantinedEvidence] = []
        var start = 0
        var validEnd = 0
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            if let entry = try? decoder.decode(QuarantinedEvidence.self, from: Data(bytes[start..<newline])) { entries.append(entry) }
            start = newline + 1
            validEnd = start
        }
        return (entries, validEnd, bytes.count)
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
