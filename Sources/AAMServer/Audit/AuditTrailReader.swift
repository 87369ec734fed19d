import AAMCore
import AAMSecrets

/// Reads the admin audit trail straight from a database URL (`sqlite:PATH`, `postgres://…`),
/// through the same store factory `aamd` uses: what `aam audit verify` runs.
public enum AuditTrailReader {
    /// Verifies the whole chain page by page in sequence order, stopping at the first problem.
    public static func verify(database: String, pageSize: Int = 1000) async throws -> AuditChainVerifier {
        guard database != "memory", database != "memory:" else {
            throw StartupError("an in-memory database has no audit trail to verify; pass --database sqlite:PATH or postgres://…")
        }
        let stores = try await StoreFactory.open(database)
        do {
            let verifier = try await verify(stores.audit, pageSize: pageSize)
            await stores.close()
            return verifier
        } catch {
            await stores.close()
            throw error
        }
    }

    /// Verifies the chain held by `store`.
    public static func verify(_ store: any AdminAuditStore, pageSize: Int = 1000) async throws -> AuditChainVerifier {
        var verifier = AuditHasher.verifier()
        var after: Int64 = 0
        while true {
            let page = try await store.auditEntries(AdminAuditQuery(afterSequence: after, limit: pageSize))
            guard let last = page.last else { break }
            if verifier.feed(page) != nil { break }
            after = last.sequence
        }
        return verifier
    }
}
