import AAMCore
import AAMSecrets
import Foundation

/// The single writer of configuration.
///
/// Every admin change (API, config file, console) goes through here: validate, persist to the
/// store, then publish a new immutable snapshot that the data path picks up on its next request.
/// An actor, so changes are serialized; the data path never waits on it.
public actor ConfigRegistry {
    private(set) var state: ConfigState
    private var version: Int
    let store: any ConfigStore
    let holder: SnapshotHolder
    let vault: CredentialVault
    let bus: EventBus
    let clock: any WallClock
    let health: HealthRegistry?

    public init(
        state: ConfigState, store: any ConfigStore, holder: SnapshotHolder, vault: CredentialVault, bus: EventBus,
        clock: any WallClock, health: HealthRegistry? = nil
    ) {
        self.health = health
        self.state = state
        self.version = 1
        self.store = store
        self.holder = holder
        self.vault = vault
        self.bus = bus
        self.clock = clock
        holder.replace(ConfigSnapshot(state: state, version: 1))
    }

    public var currentState: ConfigState { state }

    /// Applies a validated change: persists the touched entities, swaps the snapshot, records who did it.
    func commit(
        _ newState: ConfigState, changed: [(EntityKind, String)], actor: String, action: String, target: String
    ) async throws {
        for (kind, id) in changed {
            if let document = try Self.document(of: newState, kind: kind, id: id) {
                try await store.upsert(kind: kind, id: id, document: document)
            } else {
                try await store.delete(kind: kind, id: id)
            }
        }
        state = newState
        version += 1
        holder.replace(ConfigSnapshot(state: newState, version: version))
        // Forget the health of deployments that no longer exist.
        health?.retain(only: Set(newState.deployments.keys))
        bus.publish(.adminChange(actor: actor, action: action, target: target))
    }

    static func document(of state: ConfigState, kind: EntityKind, id: String) throws -> Data? {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        switch kind {
        case .provider: return try state.providers[id].map(encoder.encode)
        case .deployment: return try state.deployments[id].map(encoder.encode)
        case .alias: return try state.aliases[id].map(encoder.encode)
        case .key: return try state.keys[id].map(encoder.encode)
        case .org: return try state.orgs[id].map(encoder.encode)
        case .team: return try state.teams[id].map(encoder.encode)
        case .project: return try state.projects[id].map(encoder.encode)
        case .guardrail: return try state.guardrails[id].map(encoder.encode)
        }
    }

    /// Runs `change` on a copy of the state; if it succeeds, commits the entities it reports.
    func mutate<T: Sendable>(
        actor: String, action: String, target: String,
        _ change: (inout ConfigState) throws(AdminError) -> (result: T, changed: [(EntityKind, String)])
    ) async throws -> T {
        var draft = state
        let outcome = try change(&draft)
        try await commit(draft, changed: outcome.changed, actor: actor, action: action, target: target)
        return outcome.result
    }

    // MARK: Master key rotation

    /// Re-wraps every data key (provider credentials and the key pepper) under `newMaster`, then
    /// makes it current. Credential ciphertext is untouched; traffic keeps flowing throughout.
    public func rewrapMasterKey(to newMaster: MasterKey, actor: String) async throws -> Int {
        let old = vault.current
        var draft = state
        var changed: [(EntityKind, String)] = []
        for (name, provider) in state.providers {
            guard let sealed = provider.credential else { continue }
            draft.providers[name]?.credential = try old.rewrap(sealed, owner: name, to: newMaster)
            changed.append((.provider, name))
        }
        if let pepper = try await store.serverSecret(named: PepperVault.secretName) {
            try await store.setServerSecret(named: PepperVault.secretName, value: try PepperVault.rewrap(pepper, from: old, to: newMaster))
        }
        // Swap the vault before publishing the snapshot whose credentials need the new key.
        vault.replaceMaster(newMaster)
        try await commit(draft, changed: changed, actor: actor, action: "master_key.rewrap", target: newMaster.id)
        return changed.count
    }
}
