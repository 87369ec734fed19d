import AAMCore
import AAMSecrets
import AAMStore
import Foundation
import Testing

@testable import AAMServer

@Suite("Audit log: serialized, chained, durable before acknowledged")
struct AuditLogTests {
    func draft(_ number: Int) -> AuditDraft {
        AuditDraft(actor: "admin:1a2b3c4d", action: "test.change", target: "test:\(number)", before: nil, after: "{\"n\":\(number)}")
    }

    @Test("concurrent appends get gap-free sequences in one valid chain")
    func concurrentAppends() async throws {
        let store = TestAuditStore()
        let log = AuditLog(store: store, sink: DirectEvidenceSink(audit: store), clock: AuditTestClock())
        await withTaskGroup(of: Void.self) { group in
            for number in 0..<40 {
                group.addTask { _ = try? await log.append((0...(number % 3)).map { self.draft(number * 10 + $0) }) }
            }
        }
        let entries = store.all
        let expectedCount: Int = (0..<40).map { (number: Int) -> Int in number % 3 + 1 }.reduce(0, +)
        #expect(entries.count == expectedCount)
        #expect(entries.map(\.sequence) == Array(1...Int64(entries.count)))
        let verifier = try await EvidenceVerification.verifyLegacy(store, pageSize: 7)
        #expect(verifier.problem == nil)
        #expect(verifier.count == entries.count)
        #expect(verifier.headHash == entries.last?.hash)
    }

    @Test("a new log continues the stored chain")
    func continuesStoredChain() async throws {
        let store = TestAuditStore()
        let first = try await AuditLog(store: store, sink: DirectEvidenceSink(audit: store), clock: AuditTestClock()).append([draft(1), draft(2)])
        let next = try await AuditLog(store: store, sink: DirectEvidenceSink(audit: store), clock: AuditTestClock()).append([draft(3)])
        #expect(next.map(\.sequence) == [3])
        #expect(next[0].previousHash == first[1].hash)
        #expect(try await EvidenceVerification.verifyLegacy(store).summary.hasPrefix("OK: 3 entries, last sequence 3"))
    }

    @Test("a failed append is reported, hands out no sequence, and the next one follows the last durable entry")
    func failedAppend() async throws {
        let store = TestAuditStore()
        let log = AuditLog(store: store, sink: DirectEvidenceSink(audit: store), clock: AuditTestClock())
        try await log.append([draft(1)])
        store.failures.store(1, ordering: .relaxed)
        await #expect(throws: TestAuditStore.Refused.self) { try await log.append([draft(2)]) }
        let after = try await log.append([draft(3)])
        #expect(after.map(\.sequence) == [2])
        #expect(store.all.map(\.target) == ["test:1", "test:3"])
        #expect(try await EvidenceVerification.verifyLegacy(store).problem == nil)
    }

    @Test("with a sink ahead of the store (an undrained spool), sequences keep advancing")
    func sinkAheadOfStore() async throws {
        let store = TestAuditStore()
        let sink = SpoolLikeSink()
        let log = AuditLog(store: store, sink: sink, clock: AuditTestClock())
        for number in 1...3 { try await log.append([draft(number)]) }
        let spooled = sink.items.withLock { $0 }.compactMap { item -> AdminAuditEntry? in
            if case .audit(let entry) = item { return entry }
            return nil
        }
        #expect(spooled.map(\.sequence) == [1, 2, 3])
        #expect(store.all.isEmpty)
        var verifier = AuditHasher.verifier()
        #expect(verifier.feed(spooled) == nil)
    }

    @Test("time is stamped by the clock, to the millisecond")
    func stampedByClock() async throws {
        let store = TestAuditStore()
        let clock = AuditTestClock()
        clock.advance(0.123_456)
        let log = AuditLog(store: store, sink: DirectEvidenceSink(audit: store), clock: clock)
        let entry = try #require(try await log.append([draft(1)]).first)
        #expect(AuditCanonicalForm.milliseconds(entry.at) == 1_790_000_000_123)
        #expect(entry.at == AuditCanonicalForm.normalized(entry.at))
    }
}

@Suite("Audit in the config registry: recorded before applied")
struct AuditRegistryTests {
    func registry(audit store: TestAuditStore) async -> (ConfigRegistry, InMemoryConfigStore, EventBus) {
        let config = InMemoryConfigStore()
        let bus = EventBus()
        let registry = ConfigRegistry(
            state: ConfigState(), store: config, holder: SnapshotHolder(), vault: CredentialVault(master: try! MasterKey(rawBytes: Array(repeating: 7, count: 32))),
            bus: bus, clock: AuditTestClock())
        await registry.attachAudit(AuditLog(store: store, sink: DirectEvidenceSink(audit: store), clock: AuditTestClock()))
        return (registry, config, bus)
    }

    @Test("when the audit trail cannot be written the change is refused with 503, not persisted, not applied, not announced")
    func refusedWithoutAudit() async throws {
        let store = TestAuditStore()
        let (registry, config, bus) = await registry(audit: store)
        let events = bus.subscribe()
        store.failures.store(1, ordering: .relaxed)
        do {
            _ = try await registry.createOrg(ScopeInput(id: "acme"), actor: "operator:alice")
            Issue.record("the change was accepted without an audit record")
        } catch let error as AdminError {
            #expect(error.status == 503)
            #expect(error.code == .auditUnavailable)
        }
        #expect(await registry.currentState.orgs.isEmpty)
        #expect(try await config.loadAll()[.org]?.isEmpty ?? true)
        #expect(store.all.isEmpty)
        // The next bus event is the sentinel: no adminChange was published for the refused change.
        bus.publish(.adminChange(actor: "test", action: "sentinel", target: "-"))
        var iterator = events.events.makeAsyncIterator()
        guard case .adminChange(_, let action, _)? = await iterator.next() else { Issue.record("no event"); return }
        #expect(action == "sentinel")

        // Once the trail is writable again the same change goes through and is recorded.
        _ = try await registry.createOrg(ScopeInput(id: "acme"), actor: "operator:alice")
        #expect(await registry.currentState.orgs["acme"] != nil)
        let entry = try #require(store.all.first)
        #expect((entry.sequence, entry.actor, entry.channel, entry.action, entry.target) == (1, "operator:alice", "console", "org.create", "org:acme"))
        #expect(entry.before == nil)
        #expect(entry.after == #"{"id":"acme"}"#)
    }

    @Test("a change recorded but not persisted (store unreachable) is followed by a .failed entry and not applied")
    func persistFailure() async throws {
        let store = TestAuditStore()
        let config = FailingConfigStore(InMemoryConfigStore())
        let registry = ConfigRegistry(
            state: ConfigState(), store: config, holder: SnapshotHolder(), vault: CredentialVault(master: try MasterKey(rawBytes: Array(repeating: 7, count: 32))),
            bus: EventBus(), clock: AuditTestClock())
        await registry.attachAudit(AuditLog(store: store, sink: DirectEvidenceSink(audit: store), clock: AuditTestClock()))
        config.failWrites.store(true, ordering: .relaxed)
        await #expect(throws: FailingConfigStore.Unreachable.self) { _ = try await registry.createOrg(ScopeInput(id: "acme"), actor: "operator:alice") }
        #expect(await registry.currentState.orgs.isEmpty)
        #expect(store.all.map { "\($0.sequence) \($0.action) \($0.target)" } == ["1 org.create org:acme", "2 org.create.failed org:acme"])
        #expect(try await EvidenceVerification.verifyLegacy(store).problem == nil)
    }

    @Test("concurrent changes are serialized: none is lost and each entry's before is the previous after")
    func serializedChanges() async throws {
        let store = TestAuditStore()
        let (registry, _, _) = await registry(audit: store)
        _ = try await registry.createOrg(ScopeInput(id: "acme"), actor: "system")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for rpm in 1...20 {
                group.addTask {
                    var patch = ScopePatch()
                    patch.rpm = Int64(rpm)
                    _ = try await registry.patchScope(.org, id: "acme", patch: patch, actor: "admin:1a2b3c4d")
                }
            }
            try await group.waitForAll()
        }
        let updates = store.all.filter { $0.action == "org.update" }
        #expect(updates.count == 20)
        for (previous, next) in zip(updates, updates.dropFirst()) { #expect(next.before == previous.after) }
        #expect(updates.last?.after == #"{"id":"acme","rpm":\#(await registry.currentState.orgs["acme"]?.rpm ?? -1)}"#)
    }
}
