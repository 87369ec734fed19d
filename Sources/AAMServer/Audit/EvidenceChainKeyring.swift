import AAMCore
import AAMSecrets
import Foundation
import Synchronization

/// The running daemon's evidence chain keys (`EvidenceChainKeys`), shared by the admin audit
/// log and the call-record store, and swapped in one step when the master key is rotated.
///
/// The current chain key is always derived from the current master key; the keys of earlier
/// master keys live in the store's `evidence-chain-keys` secret, sealed under the current one
/// (and, right after a rotation, under the previous one too, so a rotation that fails after
/// this step still starts with the old master key).
public final class EvidenceChainKeyring: EvidenceAuthenticator {
    private let keys: Mutex<EvidenceChainKeys>

    public init(_ keys: EvidenceChainKeys) { self.keys = Mutex(keys) }

    /// Opens the stored keyring with the vault's master key; stores it when this master key's
    /// chain key is not in it yet (first start, or first start after an upgrade).
    public static func bootstrap(store: any ConfigStore, sealer: CredentialSealer) async throws -> EvidenceChainKeyring {
        let stored = try await store.serverSecret(named: EvidenceChainKeys.secretName)
        let keys = try EvidenceChainKeys.open(stored, with: sealer)
        if stored == nil {
            try await store.setServerSecret(named: EvidenceChainKeys.secretName, value: try keys.sealKeyring(with: [sealer]))
        }
        return EvidenceChainKeyring(keys)
    }

    public var currentKeyID: String { keys.withLock { $0.currentKeyID } }
    public var snapshot: EvidenceChainKeys { keys.withLock { $0 } }

    public func mac(_ bytes: [UInt8], keyID: String) -> String? { snapshot.mac(bytes, keyID: keyID) }
    public func digest(_ bytes: [UInt8]) -> String { snapshot.digest(bytes) }

    /// Adds the chain key of `newMaster` and makes it current, after storing the keyring sealed
    /// under both master keys (called by the master-key re-wrap before the vault switches).
    public func rotate(from old: CredentialSealer, to newMaster: MasterKey, store: any ConfigStore) async throws {
        let rotated = snapshot.rotated(to: newMaster)
        let sealed = try rotated.sealKeyring(with: [CredentialSealer(master: newMaster), old])
        try await store.setServerSecret(named: EvidenceChainKeys.secretName, value: sealed)
        keys.withLock { $0 = rotated }
    }
}
