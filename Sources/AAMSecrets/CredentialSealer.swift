import AAMCore
import Crypto
import Foundation

/// Envelope encryption of vendor credentials.
///
/// Each credential gets its own random 256-bit data key; the credential is sealed with
/// AES-256-GCM under the data key with the owner's name bound as additional authenticated data
/// (so a ciphertext copied onto another provider fails to open), and the data key is sealed under
/// the master key with the same binding. Rotating the master key re-wraps data keys only.
///
/// Each sealed credential carries its keyed fingerprint (`CredentialFingerprinter`) when the
/// sealer has one, else an empty one (the key pepper itself, sealed before the fingerprinter
/// exists, and other internal secrets that are never shown).
public struct CredentialSealer: Sendable {
    public let master: MasterKey
    public let fingerprinter: CredentialFingerprinter?

    public init(master: MasterKey, fingerprinter: CredentialFingerprinter? = nil) {
        self.master = master
        self.fingerprinter = fingerprinter
    }

    public func seal(_ secret: SecretValue, owner: String) throws(SecretsError) -> SealedCredential {
        let dataKey = SymmetricKey(size: .bits256)
        let plaintext = Array(secret.revealForTransport().utf8)
        do {
            let sealedSecret = try AES.GCM.seal(plaintext, using: dataKey, authenticating: Self.aad("credential", owner))
            let wrapped = try dataKey.withUnsafeBytes { raw in
                try AES.GCM.seal(Array(raw), using: master.key, authenticating: Self.aad("data-key", owner))
            }
            guard let secretBox = sealedSecret.combined, let keyBox = wrapped.combined else {
                throw SecretsError("sealing failed")
            }
            return SealedCredential(
                masterKeyID: master.id, wrappedDataKey: keyBox, ciphertext: secretBox,
                fingerprint: fingerprinter?.fingerprint(plaintext) ?? "")
        } catch let error as SecretsError {
            throw error
        } catch {
            throw SecretsError("sealing failed")
        }
    }

    /// Opens a sealed credential. Only the upstream transport calls this, per request.
    public func open(_ sealed: SealedCredential, owner: String) throws(SecretsError) -> SecretValue {
        let dataKey = try unwrapDataKey(sealed, owner: owner)
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.ciphertext)
            let plaintext = try AES.GCM.open(box, using: dataKey, authenticating: Self.aad("credential", owner))
            return SecretValue(String(decoding: plaintext, as: UTF8.self))
        } catch {
            throw SecretsError("the credential of '\(owner)' cannot be decrypted (tampered or bound to another owner)")
        }
    }

    /// Re-wraps the data key under `newMaster` without touching the credential ciphertext. The
    /// fingerprint is recomputed when this sealer has a fingerprinter (same pepper: same value;
    /// it upgrades a fingerprint made before fingerprints were keyed).
    public func rewrap(_ sealed: SealedCredential, owner: String, to newMaster: MasterKey) throws(SecretsError) -> SealedCredential {
        let dataKey = try unwrapDataKey(sealed, owner: owner)
        var fingerprint = sealed.fingerprint
        if let fingerprinter {
            do {
                let plaintext = try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed.ciphertext), using: dataKey, authenticating: Self.aad("credential", owner))
                fingerprint = fingerprinter.fingerprint(Array(plaintext))
            } catch {
                throw SecretsError("the credential of '\(owner)' cannot be decrypted (tampered or bound to another owner)")
            }
        }
        do {
            let wrapped = try dataKey.withUnsafeBytes { raw in
                try AES.GCM.seal(Array(raw), using: newMaster.key, authenticating: Self.aad("data-key", owner))
            }
            guard let keyBox = wrapped.combined else { throw SecretsError("re-wrapping failed") }
            var result = sealed
            result.masterKeyID = newMaster.id
            result.wrappedDataKey = keyBox
            result.fingerprint = fingerprint
            return result
        } catch {
            throw SecretsError("re-wrapping the data key of '\(owner)' failed")
        }
    }

    private func unwrapDataKey(_ sealed: SealedCredential, owner: String) throws(SecretsError) -> SymmetricKey {
        guard sealed.masterKeyID == master.id else {
            throw SecretsError(
                "the credential of '\(owner)' is wrapped by master key \(sealed.masterKeyID), not the current \(master.id)")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.wrappedDataKey)
            return SymmetricKey(data: try AES.GCM.open(box, using: master.key, authenticating: Self.aad("data-key", owner)))
        } catch {
            throw SecretsError("the data key of '\(owner)' cannot be unwrapped (tampered or bound to another owner)")
        }
    }

    static func aad(_ purpose: String, _ owner: String) -> [UInt8] {
        Array("aam:\(purpose):\(owner)".utf8)
    }
}
