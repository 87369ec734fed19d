import AAMCore
import AAMStore
import Foundation
import Testing

/// An audit entry distinct per `sequence`; the fields are stored and returned as given (the
/// hashes here are placeholders: chain computation is not the store's job).
func auditEntry(
    _ sequence: Int64, actor: String = "admin:tok_1", action: String = "key.create", target: String? = nil,
    at: Date? = nil, before: String? = nil, after: String? = #"{"id":"k"}"#
) -> AdminAuditEntry {
    AdminAuditEntry(
        sequence: sequence, at: at ?? Date(timeIntervalSinceReferenceDate: 785_592_000.123_456_7 + Double(sequence)),
        actor: actor, channel: "api", action: action, target: target ?? "key:k_\(sequence)", before: before, after: after,
        previousHash: String(repeating: sequence == 1 ? "0" : "a", count: 64),
        hash: String(format: "%064x", sequence))
}

@Suite("AdminAuditStore conformance")
struct AdminAuditStoreConformanceTests {
    @Test("a new store has no audit entries", arguments: Backend.allCases)
    func empty(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            #expect(try await store.audit.lastAudit() == nil)
            #expect(try await store.audit.auditEntries(AdminAuditQuery()).isEmpty)
            try await store.audit.appendAudit([])
            #expect(try await store.audit.lastAudit() == nil)
        }
    }

    @Test("entries come back exactly as appended: every field, nil before/after, text of any kind, exact times", arguments: Backend.allCases)
    func exactRoundTrip(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let entries = [
                auditEntry(1, before: nil, after: #"{"name":"Ünïcødé ✓","n":1.5e-7}"#),
                auditEntry(2, actor: "operator:alice", action: "provider.drain", target: "provider:openai-east",
                           at: Date(timeIntervalSince1970: 1_763_900_000.987_654_3), before: #"{"drained":false}"#, after: nil),
                auditEntry(3, actor: "config:aam.yaml", action: "alias.put", target: "alias:fast",
                           at: Date(timeIntervalSinceReferenceDate: 0.1), before: "", after: "quote ' \" backslash \\ newline \n tab \t"),
            ]
            try await store.audit.appendAudit(entries)
            #expect(try await store.audit.auditEntries(AdminAuditQuery()) == entries)
            #expect(try await store.audit.lastAudit() == entries[2])
            let stored = try await store.audit.auditEntries(AdminAuditQuery())
            for (given, back) in zip(entries, stored) {
                // Bit-for-bit time: the chain hashes the exact instant.
                #expect(given.at.timeIntervalSinceReferenceDate.bitPattern == back.at.timeIntervalSinceReferenceDate.bitPattern)
            }
        }
    }

    @Test("append is idempotent by sequence: the first version is kept, duplicates in one batch too", arguments: Backend.allCases)
    func idempotent(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let original = auditEntry(1)
            var forged = original
            forged.actor = "admin:someone-else"
            forged.hash = String(repeating: "f", count: 64)
            try await store.audit.appendAudit([original, forged, auditEntry(2)])
            try await store.audit.appendAudit([original, auditEntry(2)])
            try await store.audit.appendAudit([forged, auditEntry(3)])
            #expect(try await store.audit.auditEntries(AdminAuditQuery()) == [original, auditEntry(2), auditEntry(3)])
        }
    }

    @Test("entries are ordered by sequence whatever the append order; lastAudit is the highest", arguments: Backend.allCases)
    func orderBySequence(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            try await store.audit.appendAudit([auditEntry(3), auditEntry(1)])
            #expect(try await store.audit.lastAudit() == auditEntry(3))
            try await store.audit.appendAudit([auditEntry(2)])
            #expect(try await store.audit.auditEntries(AdminAuditQuery()).map(\.sequence) == [1, 2, 3])
            #expect(try await store.audit.lastAudit() == auditEntry(3))
        }
    }

    @Test("paging by afterSequence and limit walks the whole trail once", arguments: Backend.allCases)
    func paging(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let entries = (1...1_234).map { auditEntry(Int64($0)) }
            try await store.audit.appendAudit(entries)
            var seen: [AdminAuditEntry] = []
            var after: Int64 = 0
            while true {
                let page = try await store.audit.auditEntries(AdminAuditQuery(afterSequence: after, limit: 500))
                if page.isEmpty { break }
                #expect(page.count <= 500)
                seen += page
                after = page.last!.sequence
            }
            #expect(seen == entries)
            #expect(try await store.audit.auditEntries(AdminAuditQuery(afterSequence: 1_230, limit: 10)).map(\.sequence) == [1_231, 1_232, 1_233, 1_234])
            #expect(try await store.audit.auditEntries(AdminAuditQuery(limit: 3)).map(\.sequence) == [1, 2, 3])
            #expect(try await store.audit.auditEntries(AdminAuditQuery(limit: 0)).isEmpty)
            #expect(try await store.audit.auditEntries(AdminAuditQuery(limit: -5)).isEmpty, "a negative limit is zero")
            #expect(try await store.audit.auditEntries(AdminAuditQuery(afterSequence: 1_234)).isEmpty)
            #expect(try await store.audit.lastAudit() == entries.last)
        }
    }

    @Test("filters: actor, action, exact target, target prefix, time range (inclusive), combined", arguments: Backend.allCases)
    func filters(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let base = Date(timeIntervalSince1970: 1_763_900_000.5)
            let entries = [
                auditEntry(1, actor: "admin:tok_1", action: "key.create", target: "key:k_1", at: base),
                auditEntry(2, actor: "admin:tok_2", action: "key.revoke", target: "key:k_1", at: base.addingTimeInterval(10)),
                auditEntry(3, actor: "operator:alice", action: "provider.drain", target: "provider:east", at: base.addingTimeInterval(20)),
                auditEntry(4, actor: "admin:tok_1", action: "key.create", target: "key:k_2", at: base.addingTimeInterval(30)),
                auditEntry(5, actor: "admin:tok_1", action: "alias.put", target: "key%:_x", at: base.addingTimeInterval(40)),
                auditEntry(6, actor: "system", action: "key.create", target: "keys:k_9", at: base.addingTimeInterval(50)),
            ]
            try await store.audit.appendAudit(entries)
            func sequences(_ query: AdminAuditQuery) async throws -> [Int64] {
                try await store.audit.auditEntries(query).map(\.sequence)
            }
            #expect(try await sequences(AdminAuditQuery(actor: "admin:tok_1")) == [1, 4, 5])
            #expect(try await sequences(AdminAuditQuery(actor: "admin:tok")) == [], "actor is exact")
            #expect(try await sequences(AdminAuditQuery(action: "key.create")) == [1, 4, 6])
            #expect(try await sequences(AdminAuditQuery(target: "key:k_1")) == [1, 2])
            #expect(try await sequences(AdminAuditQuery(target: "key:")) == [], "without '*' the target is exact")
            #expect(try await sequences(AdminAuditQuery(target: "key:*")) == [1, 2, 4])
            #expect(try await sequences(AdminAuditQuery(target: "key*")) == [1, 2, 4, 5, 6])
            #expect(try await sequences(AdminAuditQuery(target: "key%*")) == [5], "'%' and '_' in a prefix are literal")
            #expect(try await sequences(AdminAuditQuery(target: "k_y*")) == [])
            #expect(try await sequences(AdminAuditQuery(target: "*")) == [1, 2, 3, 4, 5, 6])
            #expect(try await sequences(AdminAuditQuery(from: base.addingTimeInterval(20))) == [3, 4, 5, 6])
            #expect(try await sequences(AdminAuditQuery(to: base.addingTimeInterval(20))) == [1, 2, 3])
            #expect(try await sequences(AdminAuditQuery(from: base.addingTimeInterval(10), to: base.addingTimeInterval(30))) == [2, 3, 4])
            #expect(try await sequences(AdminAuditQuery(from: base.addingTimeInterval(10.000_001), to: base.addingTimeInterval(29.999_999))) == [3])
            #expect(try await sequences(AdminAuditQuery(actor: "admin:tok_1", action: "key.create", target: "key:*")) == [1, 4])
            #expect(try await sequences(AdminAuditQuery(afterSequence: 1, limit: 1, actor: "admin:tok_1")) == [4])
        }
    }

    @Test("concurrent appends of disjoint sequences all land", arguments: Backend.allCases)
    func concurrentAppends(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let audit = store.audit
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for batch in 0..<5 {
                            try await audit.appendAudit((0..<10).map { auditEntry(Int64(worker * 1_000 + batch * 10 + $0 + 1)) })
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await audit.auditEntries(AdminAuditQuery(limit: 1_000)).count == 200)
            #expect(try await audit.lastAudit()?.sequence == 3_050)
        }
    }
}
