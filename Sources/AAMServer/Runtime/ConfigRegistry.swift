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
    /// The shared database of a cluster (nil on SQLite or in memory: single node). With it,
    /// every change runs under the cluster-wide `configChange` lock after catching up with the
    /// change feed, and other replicas' changes arrive through `syncFromFeed`.
    let cluster: (any ClusterStore)?
    /// The highest feed version whose changes this registry holds (`ConfigRegistry+Feed`).
    var feedVersion: Int64 = 0
    /// How the feed is doing, readable without awaiting the actor (readyz, metrics, replicas).
    public nonisolated let feedStatus = ConfigFeedStatus()
    /// Called after the feed brought a new price table (the runtime's price book reloads it).
    private(set) var onPricingChanged: (@Sendable () async -> Void)?
    let store: any ConfigStore
    let holder: SnapshotHolder
    let vault: CredentialVault
    let bus: EventBus
    let clock: any WallClock
    let health: HealthRegistry?
    /// The admin audit trail every change is recorded in before it is applied (`attachAudit`).
    private(set) var audit: AuditLog?
    /// Serializes whole changes (read state, change, audit, persist, swap): without it, two
    /// admin calls interleaving at an await would both start from the same state and the
    /// second would silently undo the first (and its audit entry would lie about "before").
    let changeGate = SerialGate()
    /// The compiled AgentPolicy set, rebuilt here whenever the stored policies change.
    let policyHolder = PolicyHolder()
    /// Which hosts admin-registered upstream URLs may name (`aamd --allow-loopback-upstreams`).
    private(set) var outbound = OutboundURLPolicy.strict

    public func setOutboundPolicy(_ policy: OutboundURLPolicy) { outbound = policy }

    public func setPricingObserver(_ observer: @escaping @Sendable () async -> Void) { onPricingChanged = observer }

    /// Runs `body` as the only configuration change: in this process (the change gate) and, in
    /// a cluster, across replicas (the `configChange` lock, after catching up with the feed, so
    /// `body` starts from the newest stored state and cannot undo another replica's change).
    func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        await changeGate.acquire()
        defer { changeGate.release() }
        guard let cluster else { return try await body() }
        do {
            try await cluster.acquireClusterLock(.configChange)
        } catch {
            throw AdminError(
                status: 503, "the shared database is not reachable, so the change was not applied; retry when it is (\(error))",
                code: .storeUnavailable)
        }
        do {
            try await catchUpWithFeed()
            let value = try await body()
            await cluster.releaseClusterLock(.configChange)
            return value
        } catch {
            await cluster.releaseClusterLock(.configChange)
            throw error
        }
    }

    public init(
        state: ConfigState, store: any ConfigStore, holder: SnapshotHolder, vault: CredentialVault, bus: EventBus,
        clock: any WallClock, health: HealthRegistry? = nil, cluster: (any ClusterStore)? = nil, feedVersion: Int64 = 0
    ) {
        self.health = health
        self.cluster = cluster
        self.feedVersion = feedVersion
        self.state = state
        self.version = 1
        self.store = store
        self.holder = holder
        self.vault = vault
        self.bus = bus
        self.clock = clock
        policyHolder.rebuild(from: state.policies)
        holder.replace(ConfigSnapshot(state: state, version: 1))
    }

    public var currentState: ConfigState { state }

    /// Records every later change in `log` (the gateway attaches it before applying the config file).
    public func attachAudit(_ log: AuditLog) { audit = log }

    /// Applies a validated change: records it in the audit trail, persists the touched
    /// entities, swaps the snapshot, announces who did it.
    ///
    /// Order: the audit entries are made durable FIRST, then the store is written and the
    /// snapshot swapped. An applied change therefore always has its audit record: if the audit
    /// append fails, nothing is applied and the caller gets 503. The reverse order (persist,
    /// then audit, undo on failure) can lose the record of an applied change whenever the undo
    /// fails too, or the daemon dies between the two steps. The price of this order is the
    /// opposite, harmless case: a change recorded but not applied because persisting failed;
    /// that is followed by a `<action>.failed` entry when the trail is still writable.
    func commit(
        _ newState: ConfigState, changed: [(EntityKind, String)], actor: String, action: String, target: String,
        notes: [ConfigAudit.Note] = []
    ) async throws {
        let who = auditActor(actor)
        try await recordAudit(
            ConfigAudit.drafts(from: state, to: newState, changed: changed, actor: who, action: action, target: target, notes: notes))
        try await persistAndPublish(newState, changed: changed, actor: who, action: action, target: target)
    }

    /// The second half of `commit`, for a change whose audit entries are already durable.
    /// `beforePublish` runs once everything is persisted, just before the new snapshot is published.
    func persistAndPublish(
        _ newState: ConfigState, changed: [(EntityKind, String)], actor who: String, action: String, target: String,
        beforePublish: () -> Void = {}
    ) async throws {
        do {
            try await persist(newState, changed: changed)
        } catch {
            let targets = Set(changed.map { "\($0.0.rawValue):\($0.1)" }).sorted()
            _ = try? await audit?.append((targets.isEmpty ? [target] : targets).map { AuditDraft(actor: who, action: action + ".failed", target: $0) })
            throw error
        }
        beforePublish()
        publish(newState, actor: who, action: action, target: target)
    }

    /// Makes `newState` the one the data path reads, and announces who changed it.
    func publish(_ newState: ConfigState, actor who: String, action: String, target: String) {
        if newState.policies != state.policies { policyHolder.rebuild(from: newState.policies) }
        state = newState
        version += 1
        holder.replace(ConfigSnapshot(state: newState, version: version))
        // Forget the health of deployments that no longer exist.
        health?.retain(only: Set(newState.deployments.keys))
        bus.publish(.adminChange(actor: who, action: action, target: target))
    }

    private func persist(_ newState: ConfigState, changed: [(EntityKind, String)]) async throws {
        for (kind, id) in changed {
            if let document = try newState.document(of: kind, id: id) {
                try await store.upsert(kind: kind, id: id, document: document)
            } else {
                try await store.delete(kind: kind, id: id)
            }
        }
    }

    /// Runs `change` on a copy of the state; if it succeeds, commits the entities it reports.
    func mutate<T: Sendable>(
        actor: String, action: String, target: String,
        _ change: (inout ConfigState) throws(AdminError) -> (result: T, changed: [(EntityKind, String)])
    ) async throws -> T {
        try await exclusively {
            var draft = state
            let outcome = try change(&draft)
            try await commit(draft, changed: outcome.changed, actor: actor, action: action, target: target)
            return outcome.result
        }
    }

    /// As `mutate`, sealing `secret` for `owner` inside the change lock first: the credential is
    /// sealed under the master key that is current when the change commits, so a concurrent
    /// rewrap can never leave it under the old key.
    func mutate<T: Sendable>(
        actor: String, action: String, target: String, sealing secret: SecretValue, owner: String,
        _ change: (inout ConfigState, SealedCredential) throws(AdminError) -> (result: T, changed: [(EntityKind, String)])
    ) async throws -> T {
        try await exclusively {
            let sealed = try vault.seal(secret, owner: owner)
            var draft = state
            let outcome = try change(&draft, sealed)
            try await commit(draft, changed: outcome.changed, actor: actor, action: action, target: target)
            return outcome.result
        }
    }

    // MARK: Master key rotation

    /// Re-wraps every data key (provider and MCP credentials, the key pepper) under `newMaster`,
    /// then makes it current. Credential ciphertext is untouched; traffic keeps flowing throughout.
    ///
    /// All or nothing, as far as anyone can observe: a journal holding both keys (each sealed
    /// under the other) is stored before the first resealed value is written, so a failure or a
    /// crash midway leaves every stored credential readable with either key, and the next start
    /// (or the next rewrap) brings them all under one key (`MasterKeyRecovery`). The vault and
    /// the published snapshot switch only once every value is written; until then (and after a
    /// failure) the data path keeps using the old key. Runs inside the change lock, like every
    /// change that seals a credential, so no credential can be sealed under the old key and
    /// committed after the switch.
    public func rewrapMasterKey(to newMaster: MasterKey, actor: String) async throws -> Int {
        try await exclusively { try await rewrapExclusively(to: newMaster, actor: actor) }
    }

    private func rewrapExclusively(to newMaster: MasterKey, actor: String) async throws -> Int {
        if let cluster {
            // The other replicas hold the old key in memory and could not open what this writes.
            let others = try await cluster.replicas().filter { ReplicaLiveness.isLive(heartbeatAgeSeconds: $0.heartbeatAgeSeconds) }
            if others.count > 1 {
                throw AdminError(
                    status: 409,
                    "\(others.count) replicas are live; a master key rewrap needs every replica to switch keys: stop the others, rewrap, then start them with the new key",
                    code: .replicasRunning)
            }
        }
        let old = vault.current
        // A rewrap that stopped midway to another key is undone first (the in-memory state is
        // still entirely under `old`; the store may not be).
        if let pending = try MasterKeyJournal.read(try await store.serverSecret(named: MasterKeyJournal.secretName)), pending.toID != newMaster.id {
            try await MasterKeyRecovery.resume(store: store, master: old.master)
        }
        var draft = state
        var changed: [(EntityKind, String)] = []
        for (name, provider) in state.providers {
            guard let sealed = provider.credential else { continue }
            draft.providers[name]?.credential = try old.rewrap(sealed, owner: name, to: newMaster)
            changed.append((.provider, name))
        }
        for (name, server) in state.mcpServers {
            guard let sealed = server.credential else { continue }
            let owner = MCPServerConfig.credentialOwner(name)
            draft.mcpServers[name]?.credential = try old.rewrap(sealed, owner: owner, to: newMaster)
            changed.append((.mcpServer, name))
        }
        // Recorded before anything changes (see `commit`): the pepper and the vault move next.
        let who = auditActor(actor)
        let action = "master_key.rewrap", target = "master_key:\(newMaster.id)"
        let masterNote = ConfigAudit.Note(
            target: target, before: #"{"masterKeyId":"\#(old.master.id)"}"#, after: #"{"masterKeyId":"\#(newMaster.id)","rewrappedCredentials":\#(changed.count)}"#)
        try await recordAudit(
            ConfigAudit.drafts(from: state, to: draft, changed: changed, actor: who, action: action, target: target, notes: [masterNote]))
        try await store.setServerSecret(named: MasterKeyJournal.secretName, value: try MasterKeyJournal.make(from: old.master, to: newMaster))
        // Idempotent: a retry after a failure finds the pepper already under the new key.
        _ = try await MasterKeyRecovery.reseal(secret: PepperVault.secretName, owner: PepperVault.owner, store: store, from: old, to: newMaster)
        // The evidence chain keys: the old one stays (sealed under both master keys) to verify older links.
        try await audit?.keys?.rotate(from: old, to: newMaster, store: store)
        // The vault switches after every credential is written, before the snapshot that needs it.
        try await persistAndPublish(draft, changed: changed, actor: who, action: action, target: target) { vault.replaceMaster(newMaster) }
        // Done: a journal left behind (this write failing) only makes the next start re-check.
        try? await store.setServerSecret(named: MasterKeyJournal.secretName, value: Data())
        return changed.count
    }
}
