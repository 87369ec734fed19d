import AAMCore
import AAMStore
import AAMStoreSQLite
import Foundation
import Testing

/// A configuration with every entity type and every optional field set.
func fullState() -> ConfigState {
    var state = ConfigState()
    let created = Date(timeIntervalSince1970: 1_800_000_000)
    state.providers["openai"] = ProviderConfig(
        name: "openai", wireProtocol: .openai, baseURL: "https://api.openai.com", region: "us",
        headers: ["OpenAI-Organization": "org-1"], apiVersion: nil,
        credential: SealedCredential(
            masterKeyID: "mk_0123456789ab", wrappedDataKey: Data((0..<60).map { UInt8($0) }),
            ciphertext: Data([0, 1, 2, 255, 0]), fingerprint: "sha256:ab12cd34"))
    state.providers["azure"] = ProviderConfig(
        name: "azure", wireProtocol: .azureOpenAI, baseURL: "https://x.openai.azure.com", apiVersion: "2024-10-21", drained: true)
    state.providers["sim"] = ProviderConfig(
        name: "sim", wireProtocol: .simulated, baseURL: "sim://",
        simulation: SimulationSettings(ttftMs: 5, tokensPerSecond: 1_000.5, completionTokens: 7, errorRate: 0.25))
    state.providers["claude"] = ProviderConfig(name: "claude", wireProtocol: .anthropic, baseURL: "https://api.anthropic.com")
    state.deployments["d1"] = Deployment(
        id: "d1", alias: "fast", provider: "openai", upstreamModel: "gpt-4o-mini", weight: 3, priority: 1, region: "eu",
        rpm: 600, tpm: 100_000, contextWindow: 128_000, drained: true)
    state.deployments["d2"] = Deployment(id: "d2", alias: "fast", provider: "sim", upstreamModel: "sim-1")
    state.aliases["fast"] = AliasSettings(
        name: "fast", strategy: .priority, fallbacks: ["smart", "cheap"], retries: 3, timeoutMs: 30_000,
        contextWindowFallback: "long")
    state.aliases["plain"] = AliasSettings(name: "plain")
    state.keys["key_1"] = VirtualKey(
        id: "key_1", prefix: "sk-aam-AbCd1234", secretHash: String(repeating: "ab", count: 32), orgId: "acme",
        teamId: "platform", projectId: "web", name: "CI key", createdAt: created,
        expiresAt: created.addingTimeInterval(86_400), revokedAt: created.addingTimeInterval(3_600),
        models: ["fast"], metadata: ["owner": "ci", "ticket": "OPS-1"])
    state.keys["key_2"] = VirtualKey(id: "key_2", prefix: "sk-aam-Zz", secretHash: "00", orgId: "acme", createdAt: created, models: [])
    state.orgs["acme"] = Organization(id: "acme", name: "Acme Inc.")
    state.orgs["bare"] = Organization(id: "bare")
    state.teams["platform"] = Team(id: "platform", orgId: "acme", name: "Platform")
    state.projects["web"] = Project(id: "web", orgId: "acme", teamId: "platform", name: "Web")
    state.projects["loose"] = Project(id: "loose", orgId: "acme")
    return state
}

/// Saves every entity of `state` through the `save(_:kind:id:)` helper.
func save(_ state: ConfigState, to store: any ConfigStore) async throws {
    for (id, value) in state.providers { try await store.save(value, kind: .provider, id: id) }
    for (id, value) in state.deployments { try await store.save(value, kind: .deployment, id: id) }
    for (id, value) in state.aliases { try await store.save(value, kind: .alias, id: id) }
    for (id, value) in state.keys { try await store.save(value, kind: .key, id: id) }
    for (id, value) in state.orgs { try await store.save(value, kind: .org, id: id) }
    for (id, value) in state.teams { try await store.save(value, kind: .team, id: id) }
    for (id, value) in state.projects { try await store.save(value, kind: .project, id: id) }
}

@Suite("ConfigStore conformance")
struct ConfigStoreConformanceTests {
    @Test("a new store is empty", arguments: Backend.allCases)
    func empty(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            #expect(flattened(try await store.config.loadAll()).isEmpty)
            #expect(try await store.config.loadState() == ConfigState())
            #expect(try await store.config.serverSecret(named: "key-pepper") == nil)
        }
    }

    @Test("upsert, load, overwrite and delete entities of every kind", arguments: Backend.allCases, EntityKind.allCases)
    func entityLifecycle(backend: Backend, kind: EntityKind) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let first = Data(#"{"v":1}"#.utf8)
            let second = Data(#"{"v":2}"#.utf8)
            let binary = Data([0, 0xFF, 0x00, 0x7F, 0x80])
            try await store.config.upsert(kind: kind, id: "one", document: first)
            try await store.config.upsert(kind: kind, id: "two", document: second)
            try await store.config.upsert(kind: kind, id: "ünï/code id", document: binary)
            try await store.config.upsert(kind: kind, id: "empty", document: Data())
            #expect(try await store.config.loadAll()[kind]?["empty"] == Data())
            try await store.config.delete(kind: kind, id: "empty")
            #expect(try await store.config.loadAll()[kind] == ["one": first, "two": second, "ünï/code id": binary])
            #expect(flattened(try await store.config.loadAll()).count == 3, "no other kind is touched")

            try await store.config.upsert(kind: kind, id: "one", document: second)
            #expect(try await store.config.loadAll()[kind]?["one"] == second)
            #expect(try await store.config.loadAll()[kind]?.count == 3)

            try await store.config.delete(kind: kind, id: "one")
            #expect(try await store.config.loadAll()[kind] == ["two": second, "ünï/code id": binary])
            try await store.config.delete(kind: kind, id: "one")
            try await store.config.delete(kind: kind, id: "never-existed")
            try await store.config.delete(kind: kind, id: "two")
            try await store.config.delete(kind: kind, id: "ünï/code id")
            #expect(flattened(try await store.config.loadAll()).isEmpty)
        }
    }

    @Test("the same id under different kinds is a different entity", arguments: Backend.allCases)
    func kindsAreSeparate(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            for kind in EntityKind.allCases {
                try await store.config.upsert(kind: kind, id: "shared", document: Data(kind.rawValue.utf8))
            }
            try await store.config.delete(kind: .team, id: "shared")
            let all = try await store.config.loadAll()
            for kind in EntityKind.allCases where kind != .team {
                #expect(all[kind]?["shared"] == Data(kind.rawValue.utf8))
            }
            #expect(all[.team]?["shared"] == nil)
        }
    }

    @Test("loadState returns exactly the ConfigState that was saved, entity by entity", arguments: Backend.allCases)
    func stateRoundTrip(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let state = fullState()
            try await save(state, to: store.config)
            #expect(try await store.config.loadState() == state)

            var changed = state
            changed.deployments["d1"]?.weight = 9
            changed.keys["key_2"]?.revokedAt = Date(timeIntervalSince1970: 1_900_000_000)
            changed.projects["loose"] = nil
            try await store.config.save(changed.deployments["d1"]!, kind: .deployment, id: "d1")
            try await store.config.save(changed.keys["key_2"]!, kind: .key, id: "key_2")
            try await store.config.delete(kind: .project, id: "loose")
            #expect(try await store.config.loadState() == changed)
        }
    }

    @Test("a stored document that does not decode makes loadState throw", arguments: Backend.allCases)
    func corruptDocument(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            try await store.config.upsert(kind: .deployment, id: "bad", document: Data(#"{"id":"bad"}"#.utf8))
            await #expect(throws: DecodingError.self) { try await store.config.loadState() }
        }
    }

    @Test("server secrets: absent, set, overwritten, binary-safe and independent by name", arguments: Backend.allCases)
    func serverSecrets(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let sealed = Data((0..<256).map { UInt8($0) })
            #expect(try await store.config.serverSecret(named: "key-pepper") == nil)
            try await store.config.setServerSecret(named: "key-pepper", value: sealed)
            try await store.config.setServerSecret(named: "other", value: Data("x".utf8))
            #expect(try await store.config.serverSecret(named: "key-pepper") == sealed)
            try await store.config.setServerSecret(named: "key-pepper", value: Data("rotated".utf8))
            #expect(try await store.config.serverSecret(named: "key-pepper") == Data("rotated".utf8))
            #expect(try await store.config.serverSecret(named: "other") == Data("x".utf8))
            #expect(try await store.config.serverSecret(named: "KEY-PEPPER") == nil)
            try await store.config.setServerSecret(named: "empty", value: Data())
            #expect(try await store.config.serverSecret(named: "empty") == Data())
            #expect(flattened(try await store.config.loadAll()).isEmpty, "secrets are not entities")
        }
    }

    @Test("concurrent upserts all land", arguments: Backend.allCases)
    func concurrentUpserts(backend: Backend) async throws {
        try await withStore(backend) { (store: OpenedStore) async throws in
            let config = store.config
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for index in 0..<50 {
                            try await config.upsert(kind: .org, id: "org-\(worker)-\(index)", document: Data("\(index)".utf8))
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await config.loadAll()[.org]?.count == 200)
        }
    }
}
