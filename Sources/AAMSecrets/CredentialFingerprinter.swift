import AAMCore
import Crypto
import Foundation

/// The fingerprint the admin API shows for a credential (`hmac:` + 12 hex characters): enough
/// to tell credentials apart and to see that one changed, useless for recovering or guessing it.
///
/// Keyed: HMAC-SHA-256 under a key derived with HKDF (its own label) from the server's key
/// pepper, a random secret stored only sealed under the master key. Without the master key a
/// database dump or an admin view gives no way to test guesses of a short credential offline
/// (an unkeyed hash would). The pepper, unlike the master key, survives a master-key rewrap
/// unchanged, so a credential's fingerprint is stable across rotations.
public struct CredentialFingerprinter: Sendable {
    static let salt = Array("aam-credential-fingerprint".utf8)
    static let info = Array("aam-credential-fingerprint-v1".utf8)
    public static let prefix = "hmac:"
    private let key: SymmetricKey

    public init(pepper: [UInt8]) {
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: pepper), salt: Self.salt, info: Self.info, outputByteCount: 32)
    }

    public func fingerprint(_ plaintext: [UInt8]) -> String {
        Self.prefix + KeyHasher.hex(HMAC<SHA256>.authenticationCode(for: plaintext, using: key)).prefix(12)
    }
}
