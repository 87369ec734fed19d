import AAMCore
import AAMSecrets
import Foundation

/// Start-up half of the atomic master-key rewrap: when a rewrap journal is stored, the previous
/// rewrap stopped midway. Every stored credential (providers, MCP servers) and the key pepper
/// sealed under the journal's other key is resealed under the key the daemon was started with,
/// then the journal is cleared. Started with the new key this completes the rewrap; started with
/// the old one it undoes it. Either way every secret ends under one key.
enum MasterKeyRecovery {
    /// Returns how many stored values were resealed (0 without a journal).
    @discardableResult
    static func resume(store: any ConfigStore, master: MasterKey) async throws -> Int {
        guard let journal = try MasterKeyJournal.read(try await store.serverSecret(named: MasterKeyJournal.secretName)) else { return 0 }
        let other = CredentialSealer(master: try journal.otherKey(given: master))
        let state = try await store.loadState()
        var resealed = ConfigState()
        var changed: [(EntityKind, String)] = []
        for (name, provider) in state.providers {
            guard let sealed = provider.credential, sealed.masterKeyID == other.master.id else { continue }
            var updated = provider
            updated.credential = try other.rewrap(sealed, owner: name, to: master)
            resealed.providers[name] = updated
            changed.append((.provider, name))
        }
        for (name, server) in state.mcpServers {
            guard let sealed = server.credential, sealed.masterKeyID == other.master.id else { continue }
            var updated = server
            updated.credential = try other.rewrap(sealed, owner: MCPServerConfig.credentialOwner(name), to: master)
            resealed.mcpServers[name] = updated
            changed.append((.mcpServer, name))
        }
        for (kind, id) in changed {
            if let document = try resealed.document(of: kind, id: id) {
                try await store.upsert(kind: kind, id: id, document: document)
            }
        }
        var count = changed.count
        if try await reseal(secret: PepperVault.secretName, owner: PepperVault.owner, store: store, from: other, to: master) { count += 1 }
        try await store.setServerSecret(named: MasterKeyJournal.secretName, value: Data())
        return count
    }

    /// Reseals the sealed server secret `name` under `master` if `from`'s key sealed it.
    static func reseal(secret name: String, owner: String, store: any ConfigStore, from: CredentialSealer, to master: MasterKey) async throws -> Bool {
        guard let stored = try await store.serverSecret(named: name), !stored.isEmpty,
            let sealed = try? JSONDecoder().decode(SealedCredential.self, from: stored), sealed.masterKeyID == from.master.id
        else { return false }
        try await store.setServerSecret(named: name, value: try JSONEncoder().encode(try from.rewrap(sealed, owner: owner, to: master)))
        return true
    }
}
