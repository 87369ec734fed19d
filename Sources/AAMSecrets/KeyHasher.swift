import AAMCore
import Crypto
import Foundation

/// Hashes virtual keys with HMAC-SHA-256 under a server-side pepper.
///
/// The pepper is 32 random bytes generated at first start and stored only sealed under the
/// master key, so a database dump alone holds hashes that cannot be brute-forced offline.
public struct KeyHasher: Sendable {
    private let pepper: SymmetricKey

    public init(pepper: [UInt8]) { self.pepper = SymmetricKey(data: pepper) }

    public func hash(_ key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(key.utf8), using: pepper)
        return Self.hex(mac)
    }

    public static func newPepper() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// The pepper as stored: sealed like a credential, owned by the name `aam:key-pepper`.
public enum PepperVault {
    public static let owner = "aam:key-pepper"
    public static let secretName = "key-pepper"

    public static func seal(_ pepper: [UInt8], with sealer: CredentialSealer) throws(SecretsError) -> Data {
        let sealed = try sealer.seal(SecretValue(Data(pepper).base64EncodedString()), owner: owner)
        do { return try JSONEncoder().encode(sealed) } catch { throw SecretsError("cannot encode the sealed pepper") }
    }

    public static func open(_ stored: Data, with sealer: CredentialSealer) throws(SecretsError) -> [UInt8] {
        let sealed: SealedCredential
        do { sealed = try JSONDecoder().decode(SealedCredential.self, from: stored) } catch {
            throw SecretsError("the stored key pepper is corrupt")
        }
        let base64 = try sealer.open(sealed, owner: owner).revealForTransport()
        guard let data = Data(base64Encoded: base64) else { throw SecretsError("the stored key pepper is corrupt") }
        return Array(data)
    }

    public static func rewrap(_ stored: Data, from old: CredentialSealer, to newMaster: MasterKey) throws(SecretsError) -> Data {
        let sealed: SealedCredential
        do { sealed = try JSONDecoder().decode(SealedCredential.self, from: stored) } catch {
            throw SecretsError("the stored key pepper is corrupt")
        }
        let rewrapped = try old.rewrap(sealed, owner: owner, to: newMaster)
        do { return try JSONEncoder().encode(rewrapped) } catch { throw SecretsError("cannot encode the sealed pepper") }
    }
}
