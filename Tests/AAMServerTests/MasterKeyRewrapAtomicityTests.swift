import AAMCore
import AAMSecrets
import AAMStore
@testable import AAMServer
import Foundation
import Synchronization
import Testing

/// Issue 13 item 8: a master-key rewrap that fails midway must leave every credential readable
/// under one consistent key state, and a credential replaced while a rewrap runs must end sealed
/// under the new key.
@Suite struct MasterKeyRewrapAtomicityTests {
    static let keyA = try! MasterKey(rawBytes: Array(repeating: 0xA1, count: 32))
    static let keyB = try! MasterKey(rawBytes: Array(repeating: 0xB2, count: 32))
    static let names = ["p1", "p2", "p3", "p4"]

    /// A config store whose upserts can fail after a number of successes, or block until released.
    final class FaultyStore: ConfigStore {
        let inner = InMemoryConfigStore()
        /// Upserts left before each further one fails (nil: never fails).
        let failAfter = Mutex<Int?>(nil)
        let blockNext = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let blocking = Mutex(false)
        let (blocked, blockedSignal) = AsyncStream.makeStream(of: Void.self)

        func loadAll() async throws -> [EntityKind: [String: Data]] { try await inner.loadAll() }
        func delete(kind: EntityKind, id: String) async throws { try await inner.delete(kind: kind, id: id) }
        func serverSecret(named name: String) async throws -> Data? { try await inner.serverSecret(named: name) }
        func setServerSecret(named name: String, value: Data) async throws { try await inner.setServerSecret(named: name, value: value) }

        func upsert(kind: EntityKind, id: String, document: Data) async throws {
            let fail = failAfter.withLock { left -> Bool in
                guard let remaining = left else { return false }
                if remaining == 0 { return true }
                left = remaining - 1
                return false
            }
            if fail { throw CancellationError() }
            if blocking.withLock({ block in defer { block = false }; return block }) {
                await withCheckedContinuation { continuation in
                    blockNext.withLock { $0 = continuation }
                    blockedSignal.yield()
                }
            }
            try await inner.upsert(kind: kind, id: id, document: document)
        }

        func release() { blockNext.withLock { $0?.resume(); $0 = nil } }
    }

    static func registry(_ store: FaultyStore) async throws -> ConfigRegistry {
        let vault = CredentialVault(master: keyA)
        _ = try await KeyAuthority.bootstrap(store: store, vault: vault)
        let registry = ConfigRegistry(state: ConfigState(), store: store, holder: SnapshotHolder(), vault: vault, bus: EventBus(), clock: AuditTestClock())
        for name in names {
            _ = try await registry.createProvider(
                ProviderInput(name: name, protocol: "openai", baseURL: "https://api.example.com", credential: "sk-\(name)-secret"), actor: "test")
        }
        return registry
    }

    /// Every stored credential and the pepper open with `master` alone, as a restarted daemon would.
    static func expectStoreReadable(_ store: any ConfigStore, with master: MasterKey) async throws {
        let vault = CredentialVault(master: master)
        let state = try await store.loadState()
        #expect(state.providers.count == names.count)
        for name in names {
            let sealed = try #require(state.providers[name]?.credential)
            #expect(sealed.masterKeyID == master.id, "\(name) is under \(sealed.masterKeyID)")
            #expect(try vault.open(sealed, owner: name).revealForTransport() == "sk-\(name)-secret")
        }
        let pepper = try #require(try await store.serverSecret(named: PepperVault.secretName))
        _ = try PepperVault.open(pepper, with: vault.current)
        #expect(try MasterKeyJournal.read(try await store.serverSecret(named: MasterKeyJournal.secretName)) == nil, "the journal is cleared")
    }

    @Test(arguments: [false, true]) func aRewrapFailingMidwayLeavesOneConsistentKeyState(_ restartWithNewKey: Bool) async throws {
        let store = FaultyStore()
        let registry = try await Self.registry(store)
        store.failAfter.withLock { $0 = 2 }
        await #expect(throws: (any Error).self) { try await registry.rewrapMasterKey(to: Self.keyB, actor: "test") }

        // The running daemon still serves every credential (old key, old snapshot).
        let vault = await registry.vault
        #expect(vault.masterKeyID == Self.keyA.id)
        for (name, provider) in await registry.currentState.providers {
            let sealed = try #require(provider.credential)
            #expect(sealed.masterKeyID == Self.keyA.id)
            #expect(try vault.open(sealed, owner: name).revealForTransport() == "sk-\(name)-secret")
        }
        // The store holds a mix: some credentials were written under the new key.
        let mixed = Set(try await store.loadState().providers.values.compactMap { $0.credential?.masterKeyID })
        #expect(mixed == [Self.keyA.id, Self.keyB.id])

        // A restart with either key brings every value under that key.
        store.failAfter.withLock { $0 = nil }
        let master = restartWithNewKey ? Self.keyB : Self.keyA
        #expect(try await MasterKeyRecovery.resume(store: store, master: master) > 0)
        try await Self.expectStoreReadable(store, with: master)
    }

    @Test func aRetryAfterAFailureCompletesTheRewrap() async throws {
        let store = FaultyStore()
        let registry = try await Self.registry(store)
        store.failAfter.withLock { $0 = 1 }
        await #expect(throws: (any Error).self) { try await registry.rewrapMasterKey(to: Self.keyB, actor: "test") }
        store.failAfter.withLock { $0 = nil }
        #expect(try await registry.rewrapMasterKey(to: Self.keyB, actor: "test") == Self.names.count)
        #expect(await registry.vault.masterKeyID == Self.keyB.id)
        try await Self.expectStoreReadable(store, with: Self.keyB)
    }

    @Test func aCredentialReplacedDuringARewrapEndsUnderTheNewKey() async throws {
        let store = FaultyStore()
        let registry = try await Self.registry(store)
        store.blocking.withLock { $0 = true }
        let rewrap = Task { try await registry.rewrapMasterKey(to: Self.keyB, actor: "test") }
        var blocked = store.blocked.makeAsyncIterator()
        _ = await blocked.next()  // the rewrap is writing, holding the change lock
        let replace = Task { try await registry.replaceCredential("p2", credential: "sk-p2-rotated", actor: "test") }
        // Released only once the replace waits for the lock (old code: already sealed under A).
        let gate = await registry.changeGate
        while gate.waiting == 0 { await Task.yield() }
        store.release()
        _ = try await rewrap.value
        _ = try await replace.value
        let sealed = try #require(await registry.currentState.providers["p2"]?.credential)
        #expect(sealed.masterKeyID == Self.keyB.id)
        #expect(try CredentialVault(master: Self.keyB).open(sealed, owner: "p2").revealForTransport() == "sk-p2-rotated")
        let stored = try #require(try await store.loadState().providers["p2"]?.credential)
        #expect(stored.masterKeyID == Self.keyB.id)
    }
}
