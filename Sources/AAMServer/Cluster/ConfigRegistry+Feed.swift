import AAMCore
import Foundation

/// Other replicas' changes, from the change feed (`ClusterStore.configChanges`).
///
/// The feed names what changed; the document comes as it is stored now. An entry whose
/// document equals what this replica already holds (its own change, or one applied twice) is
/// skipped byte for byte, so a replica's own commits never republish its snapshot. Entries are
/// applied in version order, so a replica that missed some converges on the stored state. The
/// periodic `reconcileWithStore` compares every stored document with the held state: the net
/// under a lost notification and under a feed entry committed out of version order.
extension ConfigRegistry {
    static let feedPageSize = 500

    /// Applies every feed entry after `feedVersion` (notification, tick, or before a change).
    public func syncFromFeed() async throws {
        await changeGate.acquire()
        defer { changeGate.release() }
        try await catchUpWithFeed()
    }

    /// As `syncFromFeed`, for a caller that holds the change gate.
    func catchUpWithFeed() async throws {
        guard let cluster else { return }
        do {
            while true {
                let entries = try await cluster.configChanges(after: feedVersion, limit: Self.feedPageSize)
                guard let last = entries.last else { break }
                await apply(entries.map { ($0.kind, $0.id, $0.document) }, action: "config.sync")
                feedVersion = last.version
                if entries.count < Self.feedPageSize { break }
            }
            feedStatus.synced(to: feedVersion, at: clock.now())
        } catch {
            feedStatus.failed("\(error)")
            throw error
        }
    }

    /// Compares every stored entity with the held state and applies the differences.
    public func reconcileWithStore() async throws {
        guard let cluster else { return }
        await changeGate.acquire()
        defer { changeGate.release() }
        // The version first: anything committed after it arrives through the feed again.
        let version = try await cluster.latestConfigVersion()
        let stored = try await store.loadAll()
        var differences: [(String, String, Data?)] = []
        for kind in EntityKind.allCases {
            let storedDocuments = stored[kind] ?? [:]
            let heldIds = state.entityIDs(of: kind)
            for id in Set(storedDocuments.keys).union(heldIds) {
                let held = try? state.document(of: kind, id: id)
                if held != storedDocuments[id] { differences.append((kind.rawValue, id, storedDocuments[id])) }
            }
        }
        if !differences.isEmpty { await apply(differences, action: "config.reconcile") }
        feedVersion = max(feedVersion, version)
        feedStatus.synced(to: feedVersion, at: clock.now())
    }

    /// Applies stored documents (nil: deleted) to a copy of the state and publishes it if
    /// anything differs. A document that does not decode is skipped and reported on the bus;
    /// the rest still apply.
    private func apply(_ changes: [(kind: String, id: String, document: Data?)], action: String) async {
        var draft = state
        var targets: [String] = []
        var pricingChanged = false
        for change in changes {
            if change.kind == ConfigFeedEntry.pricingKind { pricingChanged = true; continue }
            guard let kind = EntityKind(rawValue: change.kind) else { continue }
            let held = try? draft.document(of: kind, id: change.id)
            guard held != change.document else { continue }
            do {
                try draft.setEntity(kind, id: change.id, document: change.document)
                targets.append("\(kind.rawValue):\(change.id)")
            } catch {
                bus.publish(.adminChange(actor: "cluster", action: action + ".refused", target: "\(kind.rawValue):\(change.id)"))
            }
        }
        if draft != state {
            let target = targets.count == 1 ? targets[0] : "\(targets.count) entities"
            publish(draft, actor: "cluster", action: action, target: target)
        }
        if pricingChanged {
            await onPricingChanged?()
            bus.publish(.adminChange(actor: "cluster", action: action, target: "pricing"))
        }
    }
}
