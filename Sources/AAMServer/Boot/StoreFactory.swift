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
        let close: @Sendable () async -> Void
    }

    static func open(_ url: String) async throws -> Stores {
        if url == "memory" || url == "memory:" {
            return Stores(config: InMemoryConfigStore(), calls: InMemoryCallRecordStore(), audit: InMemoryAdminAuditStore(), close: {})
        }
        if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StartupError("--database sqlite:PATH needs a path") }
            let store: SQLiteStore
            do { store = try await SQLiteStore.open(path: path) } catch {
                throw StartupError("cannot open the SQLite database at \(path): \(error)")
            }
            return Stores(config: store, calls: store, audit: store, chain: store, close: { try? await store.close() })
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            let store: PostgresStore
            do { store = try await PostgresStore.open(url: url) } catch {
                // PostgresStoreError names the URL with its password masked and says why.
                throw StartupError("cannot open the Postgres store: \(error)")
            }
            return Stores(config: store, calls: store, audit: store, chain: store, close: { await store.close() })
        }
        throw StartupError("--database must be sqlite:PATH, postgres://… or memory, got '\(url.prefix(40))'")
    }
}
