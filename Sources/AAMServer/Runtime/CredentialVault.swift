import AAMCore
import AAMSecrets
import Synchronization

/// Seals and opens provider credentials under the current master key, which can be swapped at
/// run time (`POST /admin/master-key/rewrap`) without a restart.
///
/// After a swap the previous master key is kept for opening only, so a request that read the
/// snapshot from just before the swap still opens its credential.
public final class CredentialVault: Sendable {
    private struct Keys {
        var current: CredentialSealer
        var previous: CredentialSealer?
    }

    private let keys: Mutex<Keys>

    public init(master: MasterKey) { self.keys = Mutex(Keys(current: CredentialSealer(master: master))) }

    public var current: CredentialSealer { keys.withLock { $0.current } }

    public var masterKeyID: String { current.master.id }

    public func seal(_ secret: SecretValue, owner: String) throws(SecretsError) -> SealedCredential {
        try current.seal(secret, owner: owner)
    }

    /// Opens a credential for one upstream request. The plaintext lives only in the returned value.
    public func open(_ sealed: SealedCredential, owner: String) throws(SecretsError) -> SecretValue {
        let sealer = keys.withLock { keys in
            keys.previous.flatMap { $0.master.id == sealed.masterKeyID ? $0 : nil } ?? keys.current
        }
        return try sealer.open(sealed, owner: owner)
    }

    public func replaceMaster(_ master: MasterKey) {
        keys.withLock { $0 = Keys(current: CredentialSealer(master: master), previous: $0.current) }
    }
}
