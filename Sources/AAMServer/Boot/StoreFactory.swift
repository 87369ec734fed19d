import AAMCore
import AAMStore
import AAMStorePostgres
import AAMStoreSQLite

/// Opens the store named by `--database`.
enum StoreFactory {
    struct Stores {
        let config: any ConfigStore
        let calls: any CallRecordStore
        let audit: any AdminAuditStore
        /// The call-record chain (nil for the in-memory store, which keeps none).
        var chain: (any EvidenceChainStore)? = nil
        /// What replicas share (Postgres only): with it, `aamd` runs as one replica of a cluster.
        var cluster: (any ClusterStore)? = nil
        /// Budget windows shared by the replicas (Postgres only).
        var budgetLeases: (any BudgetLeaseStore)? = nil
        /// RPM/TPM buckets shared by the replicas (Postgres only).
        var rateLeases: (any RateLeaseStore)? = nil
        let close: @Sendable () async -> Void
    }

    /// - Parameter exclusive: for `aamd`: a SQLite database is taken for this process alone
    ///   (one node; a second `aamd` on the same file is refused and told to use Postgres).
    static func open(_ url: String, exclusive: Bool = false) async throws -> Stores {
        if url == "memory" || url == "memory:" {
            return Stores(config: InMemoryConfigStore(), calls: InMemoryCallRecordStore(), audit: InMemoryAdminAuditStore(), close: {})
        }
        if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StartupError("--database sqlite:PATH needs a path") }
            let lock = exclusive ? try SingleNodeLock.take(databasePath: path) : nil
            let store: SQLiteStore
            do { store = try await SQLiteStore.open(path: path) } catch {
                lock?.release()
                throw StartupError("cannot open the SQLite database at \(path): \(error)")
            }
            return Stores(config: store, calls: store, audit: store, chain: store, close: {
                try? await store.close()
                lock?.release()
            })
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            let store: PostgresStore
            do { store = try await PostgresStore.open(url: url) } catch {
                // PostgresStoreError names the URL with its password masked and says why.
                throw StartupError("cannot open the Postgres store: \(error)")
            }
            return Stores(config: store, calls: store, audit: store, chain: store, cluster: store, budgetLeases: store, rateLeases: store, close: { await store.close() })
        }
        throw StartupError("--database must be sqlite:PATH, postgres://… or memory, got '\(url.prefix(40))'")
    }
}
