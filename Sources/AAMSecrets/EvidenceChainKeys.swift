import AAMCore
import Crypto
import Foundation

/// The keys of the evidence chains (admin audit trail, call-record batches).
///
/// A chain key is derived from a master key with HKDF-SHA256 (its own salt and info label, so
/// it is independent of every other use of the master key) and named by a public id
/// (`ck_` + 12 hex of SHA-256 over a label and the key). Every link names the key it was made
/// with. When the master key is rotated, the chain keys held so far are kept in a keyring
/// sealed under the new master key (server secret `evidence-chain-keys`), so links made before
/// the rotation still verify; new links use the key derived from the new master key.
public struct EvidenceChainKeys: EvidenceAuthenticator {
    public static let secretName = "evidence-chain-keys"
    static let salt = Array("aam-evidence-chain".utf8)
    static let info = Array("aam-evidence-chain-v1".utf8)

    public let currentKeyID: String
    private let keys: [String: SymmetricKey]
    /// Keyring entries sealed under some other master key: kept verbatim, never dropped.
    private let foreign: [KeyringEntry]

    /// The keys of `master` alone (a fresh install, or a test).
    public init(master: MasterKey) {
        let (id, key) = Self.derive(from: master)
        currentKeyID = id
        keys = [id: key]
        foreign = []
    }

    private init(currentKeyID: String, keys: [String: SymmetricKey], foreign: [KeyringEntry]) {
        self.currentKeyID = currentKeyID
        self.keys = keys
        self.foreign = foreign
    }

    /// The chain key of `master` and its id.
    public static func derive(from master: MasterKey) -> (id: String, key: SymmetricKey) {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: master.key, salt: salt, info: info, outputByteCount: 32)
        let digest = key.withUnsafeBytes { SHA256.hash(data: Array("aam-evidence-chain-key-id".utf8) + Array($0)) }
        return ("ck_" + KeyHasher.hex(digest).prefix(12), key)
    }

    /// Ids of every key held (the current one included).
    public var keyIDs: [String] { keys.keys.sorted() }

    public func mac(_ bytes: [UInt8], keyID: String) -> String? {
        guard let key = keys[keyID] else { return nil }
        return KeyHasher.hex(HMAC<SHA256>.authenticationCode(for: bytes, using: key))
    }

    public func digest(_ bytes: [UInt8]) -> String { KeyHasher.hex(SHA256.hash(data: bytes)) }

    /// These keys after a rotation to `master`: its key becomes current, every other is kept.
    public func rotated(to master: MasterKey) -> EvidenceChainKeys {
        let (id, key) = Self.derive(from: master)
        var all = keys
        all[id] = key
        return EvidenceChainKeys(currentKeyID: id, keys: all, foreign: foreign)
    }

    // MARK: The sealed keyring

    struct KeyringEntry: Codable, Sendable {
        var id: String
        var sealed: SealedCredential
    }

    struct Keyring: Codable, Sendable {
        var keys: [KeyringEntry]
    }

    static func owner(_ id: String) -> String { "aam:evidence-chain-key:\(id)" }

    /// Every key held, sealed under each of `sealers`' master keys (a rotation passes the new
    /// and the old one, so the keyring opens whichever of them the next start has), plus the
    /// entries this process could not open (sealed under another master key) as they were.
    public func sealKeyring(with sealers: [CredentialSealer]) throws(SecretsError) -> Data {
        var entries = foreign
        for sealer in sealers {
            for (id, key) in keys.sorted(by: { $0.key < $1.key }) {
                let base64 = key.withUnsafeBytes { Data($0).base64EncodedString() }
                entries.append(KeyringEntry(id: id, sealed: try sealer.seal(SecretValue(base64), owner: Self.owner(id))))
            }
        }
        do { return try JSONEncoder().encode(Keyring(keys: entries)) } catch { throw SecretsError("cannot encode the evidence chain keyring") }
    }

    /// The keys of `sealer`'s master key plus those in the stored keyring that it opens.
    public static func open(_ stored: Data?, with sealer: CredentialSealer) throws(SecretsError) -> EvidenceChainKeys {
        let own = EvidenceChainKeys(master: sealer.master)
        guard let stored else { return own }
        let keyring: Keyring
        do { keyring = try JSONDecoder().decode(Keyring.self, from: stored) } catch {
            throw SecretsError("the stored evidence chain keyring is corrupt")
        }
        var keys = own.keys
        var foreign: [KeyringEntry] = []
        for entry in keyring.keys {
            guard entry.sealed.masterKeyID == sealer.master.id else {
                foreign.append(entry)
                continue
            }
            let base64 = try sealer.open(entry.sealed, owner: owner(entry.id)).revealForTransport()
            guard let data = Data(base64Encoded: base64), data.count == 32 else {
                throw SecretsError("the stored evidence chain keyring is corrupt")
            }
            keys[entry.id] = SymmetricKey(data: data)
        }
        // An entry of another master key whose id we now hold is not foreign any more.
        foreign.removeAll { keys[$0.id] != nil }
        return EvidenceChainKeys(currentKeyID: own.currentKeyID, keys: keys, foreign: foreign)
    }
}
