import AAMCore
import AAMSecrets
import Foundation

/// Issues virtual keys and turns presented keys into their stored hash.
public struct KeyAuthority: Sendable {
    let hasher: KeyHasher

    public init(pepper: [UInt8]) { self.hasher = KeyHasher(pepper: pepper) }

    /// Loads the pepper sealed in the store, creating it on first start.
    /// The pepper also keys credential fingerprints (`vault`'s fingerprinter is set here).
    public static func bootstrap(store: any ConfigStore, vault: CredentialVault) async throws -> KeyAuthority {
        if let stored = try await store.serverSecret(named: PepperVault.secretName) {
            let pepper = try PepperVault.open(stored, with: vault.current)
            vault.setFingerprinter(CredentialFingerprinter(pepper: pepper))
            return KeyAuthority(pepper: pepper)
        }
        let pepper = KeyHasher.newPepper()
        try await store.setServerSecret(named: PepperVault.secretName, value: try PepperVault.seal(pepper, with: vault.current))
        vault.setFingerprinter(CredentialFingerprinter(pepper: pepper))
        return KeyAuthority(pepper: pepper)
    }

    public func hash(_ presented: String) -> String { hasher.hash(presented) }

    /// A new secret and the record that stores only its hash.
    public func issue(
        id: String, orgId: String, teamId: String?, projectId: String?, name: String?, expiresAt: Date?,
        models: [String]?, metadata: [String: String], now: Date
    ) -> (secret: SecretValue, record: VirtualKey) {
        let secret = VirtualKeyFormat.generate()
        let record = VirtualKey(
            id: id, prefix: VirtualKeyFormat.prefix(of: secret), secretHash: hasher.hash(secret), orgId: orgId,
            teamId: teamId, projectId: projectId, name: name, createdAt: now, expiresAt: expiresAt, models: models,
            metadata: metadata)
        return (SecretValue(secret), record)
    }
}
