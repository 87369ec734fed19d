import AAMCore
import Foundation
import Logging
import ServiceLifecycle

/// Makes settled spend and prices survive restarts.
///
/// Spend: the ledger's snapshot (settled counters plus the ids of the requests they include) is
/// written as the server secret `governance-snapshot` every few seconds and at graceful
/// shutdown. At start it is restored, then every call record started since the snapshot was
/// taken, minus `replayOverlap`, is replayed with `GovernanceState.replaySettled`, unless the
/// snapshot already holds it: a record that settled (start + latency) more than
/// `settleClockMargin` before the snapshot was taken is in it by time; one closer to it than
/// that is judged by id (the ledger remembers the ids of the last `settledIdRetention`, and the
/// snapshot carries them). So nothing is counted twice however many times the server restarts,
/// a call settled after the snapshot is replayed unless it ran longer than the overlap, and the
/// ids kept are a couple of minutes' worth, not an hour's (memory and snapshot size per call).
///
/// Prices: `PUT /admin/pricing` writes the table as the server secret `pricing`; it is loaded
/// at start, before the config file is applied.
///
/// Key last-used times (`KeyUsage`) are flushed by the same ticks, as the server secret
/// `key-last-used`, when they changed.
struct GovernancePersistence: Service {
    static let snapshotName = "governance-snapshot"
    static let pricingName = "pricing"
    static let keyLastUsedName = "key-last-used"
    static let replayOverlap: TimeInterval = 3600
    /// How far a record's settle time (start + latency, wall clock) may be from the ledger's
    /// own settle time (the same clock a moment later): generous, for clock adjustments.
    static let settleClockMargin: TimeInterval = 60
    /// Settled ids older than this are forgotten (`GovernanceGate.prune`): twice the margin.
    static let settledIdRetention: TimeInterval = 2 * settleClockMargin

    let runtime: GatewayRuntime
    let store: any ConfigStore
    let logger: Logger
    /// False with several replicas: spend lives in the shared budget windows, and one replica's
    /// local ledger snapshot would overwrite another's.
    var savesSpend = true
    var interval: Duration = .seconds(5)

    func run() async throws {
        var saved: BudgetLedgerSnapshot?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            saved = await save(unlessSameAs: saved)
        }
    }

    /// Writes the current snapshot unless its content equals `previous` (an idle gateway does
    /// not rewrite it); a failure is logged and retried at the next tick.
    /// - Returns: the snapshot the store now holds, as far as known.
    func save(unlessSameAs previous: BudgetLedgerSnapshot?) async -> BudgetLedgerSnapshot? {
        var result = previous
        let snapshot = runtime.governance.snapshot(at: runtime.clock.now())
        if !savesSpend {
            // Nothing to write: the shared windows hold the spend.
        } else if let previous, previous.entries == snapshot.entries, previous.settledRequestIds == snapshot.settledRequestIds {
            // Unchanged since the last write.
        } else {
            do {
                try await store.setServerSecret(named: Self.snapshotName, value: try JSONEncoder().encode(snapshot))
                result = snapshot
            } catch {
                logger.error("cannot persist the governance snapshot", metadata: ["reason": "\(error)"])
            }
        }
        if let lastUsed = runtime.keyUsage.takeChanges() {
            do {
                try await store.setServerSecret(named: Self.keyLastUsedName, value: try JSONEncoder().encode(lastUsed))
            } catch {
                runtime.keyUsage.markDirty()
                logger.error("cannot persist key last-used times", metadata: ["reason": "\(error)"])
            }
        }
        return result
    }

    static func saveSnapshot(runtime: GatewayRuntime, store: any ConfigStore) async throws {
        let snapshot = runtime.governance.snapshot(at: runtime.clock.now())
        try await store.setServerSecret(named: snapshotName, value: try JSONEncoder().encode(snapshot))
    }

    static func savePrices(_ prices: [ModelPrice], store: any ConfigStore) async throws {
        try await store.setServerSecret(named: pricingName, value: try JSONEncoder().encode(prices))
    }

    /// Loads the persisted prices and key last-used times.
    static func restorePrices(runtime: GatewayRuntime, store: any ConfigStore) async throws {
        if let data = try await store.serverSecret(named: keyLastUsedName) {
            runtime.keyUsage.merge(try JSONDecoder().decode([String: Date].self, from: data))
        }
        if let data = try await store.serverSecret(named: pricingName) {
            runtime.prices.replace(with: try JSONDecoder().decode([ModelPrice].self, from: data))
        }
    }

    /// Reloads the stored price table (another replica changed it).
    static func reloadPrices(runtime: GatewayRuntime, store: any ConfigStore) async throws {
        guard let data = try await store.serverSecret(named: pricingName) else { return }
        runtime.prices.replace(with: try JSONDecoder().decode([ModelPrice].self, from: data))
    }

    /// Restores the persisted spend and replays the calls settled after it. Call at start, once
    /// the configuration is applied (the scope chains come from it) and before serving.
    /// - Returns: the number of calls replayed.
    @discardableResult
    static func restoreSpend(runtime: GatewayRuntime, store: any ConfigStore, calls: any CallRecordStore) async throws -> Int {
        var since = Date.distantPast
        var inSnapshotBefore = Date.distantPast
        if let data = try await store.serverSecret(named: snapshotName) {
            let snapshot = try JSONDecoder().decode(BudgetLedgerSnapshot.self, from: data)
            runtime.governance.restore(from: snapshot)
            since = snapshot.takenAt.addingTimeInterval(-replayOverlap)
            inSnapshotBefore = snapshot.takenAt.addingTimeInterval(-settleClockMargin)
        }
        let state = runtime.snapshots.snapshot.state
        var replayed = 0
        for record in try await calls.calls(since: since) {
            let usd = record.costUSD.flatMap { try? Money(parsing: $0) } ?? .zero
            let tokens = Int64(max(record.promptTokens, 0)) + Int64(max(record.completionTokens, 0))
            let settledAt = record.startedAt.addingTimeInterval(record.latencyMs / 1000)
            // Settled well before the snapshot was taken: already in its counters.
            guard settledAt >= inSnapshotBefore else { continue }
            var counted = false
            // The key's scope chain, then the budgets of the provider and deployment that served.
            for (requestId, chain) in [(record.requestId, chain(of: record, in: state)), servedChain(of: record, in: state)] where !chain.isEmpty {
                counted = runtime.governance.replaySettled(
                    requestId: requestId, chain: chain, actual: Spend(usd: usd, tokens: tokens), reservedAt: record.startedAt,
                    settledAt: settledAt) || counted
            }
            if counted { replayed += 1 }
        }
        return replayed
    }

    /// The budgets of the provider and deployment that served the record, with the ledger id
    /// of the call's hold on them (`DeploymentAdmission.holdId`).
    static func servedChain(of record: CallRecord, in state: ConfigState) -> (String, [ScopeBudgets]) {
        guard let id = record.deployment, let deployment = state.deployments[id], let provider = state.providers[deployment.provider] else {
            return ("", [])
        }
        return (DeploymentAdmission.holdId(record.requestId, deployment: id), DeploymentAdmission.chain(deployment, provider: provider))
    }

    /// The budgets of the record's scope chain under the current configuration.
    static func chain(of record: CallRecord, in state: ConfigState) -> [ScopeBudgets] {
        guard let keyId = record.keyId else { return [] }
        let links: [GovernanceGate.Link]
        if let key = state.keys[keyId] {
            links = GovernanceGate.links(for: key, in: state)
        } else {
            var found: [GovernanceGate.Link] = []
            if let org = record.orgId.flatMap({ state.orgs[$0] }) {
                found.append(.init(scope: GovernanceScope(.org, org.id), budgets: org.budgets ?? [], rpm: nil, tpm: nil))
            }
            if let team = record.teamId.flatMap({ state.teams[$0] }) {
                found.append(.init(scope: GovernanceScope(.team, team.id), budgets: team.budgets ?? [], rpm: nil, tpm: nil))
            }
            if let project = record.projectId.flatMap({ state.projects[$0] }) {
                found.append(.init(scope: GovernanceScope(.project, project.id), budgets: project.budgets ?? [], rpm: nil, tpm: nil))
            }
            links = found
        }
        return links.filter { !$0.budgets.isEmpty }.map { ScopeBudgets(scope: $0.scope, budgets: $0.budgets) }
    }
}
