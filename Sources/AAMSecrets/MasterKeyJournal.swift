import AAMCore
import Crypto
import Foundation

/// The record of a master-key rewrap in progress, stored (server secret `master-key-rewrap`)
/// before the first resealed value is written and cleared after the last.
///
/// It holds each of the two master keys sealed under the other, so whichever one the daemon is
/// started with recovers the other: a rewrap that stopped midway (a failed write, a crash)
/// leaves credentials under mixed keys that are all still readable, and start-up brings every
/// one of them under the key it was started with (`MasterKeyRecovery`). Only someone holding
/// one of the two keys learns the other, and both already opened the same secrets.
public struct MasterKeyJournal: Codable, Sendable {
    public static let secretName = "master-key-rewrap"
    static let owner = "aam:master-key-rewrap"

    public var fromID: String
    public var toID: String
    var fromUnderTo: SealedCredential
    var toUnderFrom: SealedCredential

    public static func make(from old: MasterKey, to new: MasterKey) throws(SecretsError) -> Data {
        let journal = MasterKeyJournal(
            fromID: old.id, toID: new.id,
            fromUnderTo: try CredentialSealer(master: new).seal(SecretValue(old.base64), owner: owner),
            toUnderFrom: try CredentialSealer(master: old).seal(SecretValue(new.base64), owner: owner))
        do { return try JSONEncoder().encode(journal) } catch { throw SecretsError("cannot encode the rewrap journal") }
    }

    /// The journal stored, or nil when none is (an empty value is none).
    public static func read(_ stored: Data?) throws(SecretsError) -> MasterKeyJournal? {
        guard let stored, !stored.isEmpty else { return nil }
        do { return try JSONDecoder().decode(MasterKeyJournal.self, from: stored) } catch {
            throw SecretsError("the stored master-key rewrap journal is corrupt")
        }
    }

    /// The other master key of the rewrap, opened with `given` (one of the two).
    public func otherKey(given: MasterKey) throws(SecretsError) -> MasterKey {
        let sealed: SealedCredential
        switch given.id {
        case fromID: sealed = toUnderFrom
        case toID: sealed = fromUnderTo
        default:
            throw SecretsError("a master-key rewrap from \(fromID) to \(toID) did not finish; start aamd with one of those keys to complete or undo it")
        }
        return try MasterKey(base64: try CredentialSealer(master: given).open(sealed, owner: Self.owner).revealForTransport())
    }
}

extension MasterKey {
    /// The key's base64 form: only ever sealed into the rewrap journal.
    var base64: String { key.withUnsafeBytes { Data($0).base64EncodedString() } }
}
