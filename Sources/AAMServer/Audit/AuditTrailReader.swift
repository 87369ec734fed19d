import AAMCore
import AAMSecrets
import Foundation

/// What `GET /admin/audit/verify` and `aam audit verify` report: each chain's verdict.
public struct EvidenceReport: Codable, Sendable, Hashable {
    public struct Problem: Codable, Sendable, Hashable {
        public var kind: String
        public var sequence: Int64
        public var detail: String
    }

    public struct Chain: Codable, Sendable, Hashable {
        public var ok: Bool
        /// Audit entries, or call-record batch links, accepted.
        public var links: Int
        /// Call records covered (call chain only).
        public var records: Int64?
        /// Unkeyed legacy entries before the keyed marker (audit chain only).
        public var unkeyed: Int?
        /// Sequences absent from the database but held, intact, in the evidence quarantine (audit
        /// chain only): a known gap, verified in place, closed by a re-drive.
        public var quarantined: [Int64]?
        public var lastSequence: Int64
        public var head: String
        public var problem: Problem?
        /// The one-line verdict (`OK: …` or `BROKEN at sequence N: kind (detail)`).
        public var summary: String
    }

    public var ok: Bool
    public var audit: Chain
    /// Nil when the store keeps no call-record chain (the in-memory store).
    public var calls: Chain?
    /// Anchors checked (each chain must reach, and agree with, every anchor of its own).
    public var anchors: Int

    /// The lines `aam audit verify` prints.
    public var lines: [String] {
        ["audit chain " + audit.summary, "call chain " + (calls?.summary ?? "not kept by this store")]
            + (anchors > 0 ? ["anchors: \(anchors) checked"] : [])
    }
}

/// Verifies the evidence chains held by the stores (server side, with the chain keys).
public enum EvidenceVerification {
    /// The admin audit chain, keyed, with `anchors` of the audit chain. `held` are entries the
    /// evidence quarantine keeps (`HeldAuditEntries`): each one the store lacks is verified in
    /// its place and its sequence returned in `filled` (a known gap, not a break).
    public static func verifyAudit(
        _ store: any AdminAuditStore, keys: any EvidenceAuthenticator, anchors: [EvidenceAnchor] = [], pageSize: Int = 1000
    ) async throws -> AuditChainVerifier {
        try await verifyAudit(store, keys: keys, anchors: anchors, held: [], pageSize: pageSize).verifier
    }

    /// As above, with the quarantine's `held` entries.
    public static func verifyAudit(
        _ store: any AdminAuditStore, keys: any EvidenceAuthenticator, anchors: [EvidenceAnchor] = [],
        held: [AdminAuditEntry], pageSize: Int = 1000
    ) async throws -> (verifier: AuditChainVerifier, filled: [Int64]) {
        var verifier = AuditChainVerifier(authenticator: keys, anchors: EvidenceAnchor.table(anchors, chain: .audit))
        var pending = HeldGapFiller(held)
        try await feed(&verifier, store, filling: &pending, pageSize: pageSize)
        if verifier.problem == nil { pending.feedRest(into: &verifier) }
        verifier.finish()
        return (verifier, pending.filled)
    }

    /// The unkeyed SHA-256 links only (a trail written before keying; `AuditLog.keyChain`).
    public static func verifyLegacy(_ store: any AdminAuditStore, pageSize: Int = 1000) async throws -> AuditChainVerifier {
        var verifier = AuditHasher.verifier()
        try await feed(&verifier, store, pageSize: pageSize)
        return verifier
    }

    private static func feed(_ verifier: inout AuditChainVerifier, _ store: any AdminAuditStore, pageSize: Int) async throws {
        var none = HeldGapFiller([])
        try await feed(&verifier, store, filling: &none, pageSize: pageSize)
    }

    private static func feed(
        _ verifier: inout AuditChainVerifier, _ store: any AdminAuditStore, filling held: inout HeldGapFiller, pageSize: Int
    ) async throws {
        var after: Int64 = 0
        reading: while true {
            let page = try await store.auditEntries(AdminAuditQuery(afterSequence: after, limit: pageSize))
            guard let last = page.last else { break }
            for entry in page {
                held.feed(before: entry.sequence, into: &verifier)
                if verifier.feed(entry) != nil { break reading }
            }
            after = last.sequence
        }
    }

    /// The call-record chain: every link with its records, then records no link covers.
    public static func verifyCalls(
        _ store: any EvidenceChainStore, keys: any EvidenceAuthenticator, anchors: [EvidenceAnchor] = [], pageSize: Int = 500
    ) async throws -> CallChainVerifier {
        var verifier = CallChainVerifier(authenticator: keys, anchors: EvidenceAnchor.table(anchors, chain: .calls))
        var after: Int64 = 0
        reading: while true {
            let links = try await store.chainLinks(after: after, limit: pageSize)
            guard let last = links.last else { break }
            for link in links where verifier.feed(link, rows: try await store.chainedRows(of: link)) != nil { break reading }
            after = last.sequence
        }
        if verifier.problem == nil {
            let unchained = try await store.unchainedRows(lastLink: verifier.lastSequence, limit: 6)
            verifier.finish(unchained: Array(unchained.prefix(5)), more: unchained.count > 5)
        }
        return verifier
    }

    /// Both chains, as one report.
    public static func report(
        audit: any AdminAuditStore, calls: (any EvidenceChainStore)?, keys: any EvidenceAuthenticator, anchors: [EvidenceAnchor] = [],
        held: [AdminAuditEntry] = []
    ) async throws -> EvidenceReport {
        let (auditVerdict, filled) = try await verifyAudit(audit, keys: keys, anchors: anchors, held: held)
        var callReport: EvidenceReport.Chain?
        if let calls {
            let verdict = try await verifyCalls(calls, keys: keys, anchors: anchors)
            callReport = EvidenceReport.Chain(
                ok: verdict.problem == nil, links: verdict.count, records: verdict.records, unkeyed: nil, lastSequence: verdict.lastSequence,
                head: verdict.headMAC, problem: verdict.problem.map(problem), summary: verdict.summary)
        }
        var summary = auditVerdict.summary
        if !filled.isEmpty {
            let listed = filled.prefix(10).map(String.init).joined(separator: ", ") + (filled.count > 10 ? ", …" : "")
            summary += "; known gap: sequence\(filled.count == 1 ? "" : "s") \(listed) quarantined, see /admin/evidence/quarantine"
        }
        let auditReport = EvidenceReport.Chain(
            ok: auditVerdict.problem == nil, links: auditVerdict.count, records: nil, unkeyed: auditVerdict.legacyCount,
            quarantined: filled.isEmpty ? nil : filled, lastSequence: auditVerdict.lastSequence, head: auditVerdict.headHash,
            problem: auditVerdict.problem.map(problem), summary: summary)
        return EvidenceReport(
            ok: auditReport.ok && (callReport?.ok ?? true), audit: auditReport, calls: callReport,
            anchors: anchors.filter { $0.chain == .audit || calls != nil }.count)
    }

    static func problem(_ found: AuditChainProblem) -> EvidenceReport.Problem {
        EvidenceReport.Problem(kind: found.kind.rawValue, sequence: found.sequence, detail: found.detail)
    }
}

/// Feeds quarantined audit entries into a verification where the store has no row for them.
struct HeldGapFiller {
    private var held: [AdminAuditEntry]
    private var next = 0
    /// Sequences verified from the quarantine.
    private(set) var filled: [Int64] = []

    init(_ held: [AdminAuditEntry]) {
        // One per sequence (a re-driven entry refused again is held under a new key).
        var seen = Set<Int64>()
        self.held = held.sorted { $0.sequence < $1.sequence }.filter { seen.insert($0.sequence).inserted }
    }

    /// Feeds the held entries that come before the store's next row and after what was fed.
    mutating func feed(before sequence: Int64, into verifier: inout AuditChainVerifier) {
        while next < held.count, held[next].sequence < sequence {
            let entry = held[next]
            next += 1
            // Skipped when the store has the row too (re-driven while a copy stayed held).
            guard entry.sequence > verifier.lastSequence, verifier.problem == nil else { continue }
            if verifier.feed(entry) == nil { filled.append(entry.sequence) }
        }
    }

    /// Held entries after the store's last row.
    mutating func feedRest(into verifier: inout AuditChainVerifier) {
        feed(before: .max, into: &verifier)
    }
}

/// Reads the evidence straight from a database URL (`sqlite:PATH`, `postgres://…`), through the
/// same store factory `aamd` uses: `aam audit verify --database` (with the master key in the
/// environment, as `aamd` gets it). Reads only: nothing is written, not even the keyring.
public enum AuditTrailReader {
    /// With the master key from `environment` (`AAM_MASTER_KEY` or `AAM_MASTER_KEY_FILE`).
    public static func verify(database: String, environment: [String: String], anchors: [EvidenceAnchor] = []) async throws -> EvidenceReport {
        try await verify(database: database, masterKey: try MasterKey.fromEnvironment(environment), anchors: anchors)
    }

    public static func verify(database: String, masterKey: MasterKey, anchors: [EvidenceAnchor] = []) async throws -> EvidenceReport {
        guard database != "memory", database != "memory:" else {
            throw StartupError("an in-memory database has no audit trail to verify; pass --database sqlite:PATH or postgres://…")
        }
        let stores = try await StoreFactory.open(database)
        do {
            let sealer = CredentialSealer(master: masterKey)
            let keys = try EvidenceChainKeys.open(try await stores.config.serverSecret(named: EvidenceChainKeys.secretName), with: sealer)
            let report = try await EvidenceVerification.report(audit: stores.audit, calls: stores.chain, keys: keys, anchors: anchors)
            await stores.close()
            return report
        } catch {
            await stores.close()
            throw error
        }
    }
}
