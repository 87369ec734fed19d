import AAMCore
import AAMSecrets
import Foundation
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
    /// Opened credentials by sealed blob, so the hot path does not run two AES-GCM opens per
    /// request. Plaintext stays in memory only, inside `SecretValue`; a replaced credential has
    /// a new blob (new data key), so stale entries are never served and are pruned on swap.
    private let opened = Mutex<[OpenedKey: SecretValue]>([:])

    private struct OpenedKey: Hashable {
        let owner: String
        let wrappedDataKey: Data
        let ciphertext: Data
    }

    public init(master: MasterKey) { self.keys = Mutex(Keys(current: CredentialSealer(master: master))) }

    public var current: CredentialSealer { keys.withLock { $0.current } }

    public var masterKeyID: String { current.master.id }

    public func seal(_ secret: SecretValue, owner: String) throws(SecretsError) -> SealedCredential {
        try current.seal(secret, owner: owner)
    }

    /// Opens a credential for one upstream request. The plaintext lives only in the returned value.
    public func open(_ sealed: SealedCredential, owner: String) throws(SecretsError) -> SecretValue {
        let cacheKey = OpenedKey(owner: owner, wrappedDataKey: sealed.wrappedDataKey, ciphertext: sealed.ciphertext)
        if let cached = opened.withLock({ $0[cacheKey] }) { return cached }
        let secret = try openUncached(sealed, owner: owner)
        opened.withLock { cache in
            // Bounded: credentials are few; a churn of replacements must not grow it forever.
            if cache.count >= 1024 { cache.removeAll() }
            cache[cacheKey] = secret
        }
        return secret
    }

    private func openUncached(_ sealed: SealedCredential, owner: String) throws(SecretsError) -> SecretValue {
        let sealer = keys.withLock { keys in
            keys.previous.flatMap { $0.master.id == sealed.masterKeyID ? $0 : nil } ?? keys.current
        }
        return try sealer.open(sealed, owner: owner)
    }

    public func replaceMaster(_ master: MasterKey) {
        opened.withLock { $0.removeAll() }
        keys.withLock { $0 = Keys(current: CredentialSealer(master: master, fingerprinter: $0.current.fingerprinter), previous: $0.current) }
    }

    /// Credentials sealed from now on carry their keyed fingerprint (set once the key pepper is
    /// open, at start).
    public func setFingerprinter(_ fingerprinter: CredentialFingerprinter) {
        keys.withLock { keys in
            keys.current = CredentialSealer(master: keys.current.master, fingerprinter: fingerprinter)
            keys.previous = keys.previous.map { CredentialSealer(master: $0.master, fingerprinter: fingerprinter) }
        }
    }
}
