import AAMCore
import AAMSecrets
import Foundation
import Testing

@Suite("CredentialSealer")
struct CredentialSealerTests {
    let master = try! MasterKey(base64: keyA)
    let otherMaster = try! MasterKey(base64: keyB)
    var sealer: CredentialSealer { CredentialSealer(master: master) }
    static let credential = "sk-proj-VENDOR-SECRET-abcdef0123456789"

    @Test("seal then open returns the credential", arguments: ["", "x", credential, "ünïcödé 🔑", String(repeating: "k", count: 10_000)])
    func roundTrip(secret: String) throws {
        let sealed = try sealer.seal(SecretValue(secret), owner: "openai")
        #expect(sealed.masterKeyID == master.id)
        #expect(try sealer.open(sealed, owner: "openai").revealForTransport() == secret)
    }

    @Test("the sealed form holds no plaintext and each seal is fresh")
    func noPlaintextAndFresh() throws {
        let first = try sealer.seal(SecretValue(Self.credential), owner: "openai")
        let second = try sealer.seal(SecretValue(Self.credential), owner: "openai")
        #expect(first.ciphertext != second.ciphertext, "a new data key and nonce per seal")
        #expect(first.wrappedDataKey != second.wrappedDataKey)
        #expect(first.wrappedDataKey.count == 12 + 32 + 16, "nonce | data key | tag")
        #expect(first.ciphertext.count == 12 + Self.credential.utf8.count + 16)
        let encoded = try JSONEncoder().encode(first)
        #expect(String(decoding: encoded, as: UTF8.self).range(of: "VENDOR-SECRET") == nil)
        #expect(Data(first.ciphertext).range(of: Data("VENDOR-SECRET".utf8)) == nil)
    }

    @Test("a credential opened under another owner fails (AAD binding)")
    func ownerBinding() throws {
        let sealed = try sealer.seal(SecretValue(Self.credential), owner: "openai")
        let error = secretsError { () throws(SecretsError) in try sealer.open(sealed, owner: "anthropic") }
        #expect(error?.message == "the data key of 'anthropic' cannot be unwrapped (tampered or bound to another owner)")
        #expect(secretsError { () throws(SecretsError) in try sealer.open(sealed, owner: "openai ") } != nil)
        #expect(secretsError { () throws(SecretsError) in try sealer.open(sealed, owner: "OpenAI") } != nil)
    }

    @Test("swapping ciphertexts between owners fails even with the owner's own data key")
    func ciphertextSwap() throws {
        let mine = try sealer.seal(SecretValue("mine"), owner: "a")
        let theirs = try sealer.seal(SecretValue("theirs"), owner: "b")
        var spliced = mine
        spliced.ciphertext = theirs.ciphertext
        let error = secretsError { () throws(SecretsError) in try sealer.open(spliced, owner: "a") }
        #expect(error?.message == "the credential of 'a' cannot be decrypted (tampered or bound to another owner)")
    }

    @Test("flipping any bit of any byte of the ciphertext fails to open")
    func tamperCiphertext() throws {
        let sealed = try sealer.seal(SecretValue(Self.credential), owner: "openai")
        for index in 0..<sealed.ciphertext.count {
            for bit in [0, 7] as [UInt8] {
                var tampered = sealed
                tampered.ciphertext[tampered.ciphertext.startIndex + index] ^= 1 << bit
                #expect(secretsError { () throws(SecretsError) in try sealer.open(tampered, owner: "openai") } != nil, "byte \(index)")
            }
        }
        var truncated = sealed
        truncated.ciphertext = sealed.ciphertext.dropLast()
        #expect(secretsError { () throws(SecretsError) in try sealer.open(truncated, owner: "openai") } != nil)
        var empty = sealed
        empty.ciphertext = Data()
        #expect(secretsError { () throws(SecretsError) in try sealer.open(empty, owner: "openai") } != nil)
    }

    @Test("flipping any byte of the wrapped data key fails to open")
    func tamperWrappedKey() throws {
        let sealed = try sealer.seal(SecretValue(Self.credential), owner: "openai")
        for index in 0..<sealed.wrappedDataKey.count {
            var tampered = sealed
            tampered.wrappedDataKey[tampered.wrappedDataKey.startIndex + index] ^= 0x01
            let error = secretsError { () throws(SecretsError) in try sealer.open(tampered, owner: "openai") }
            #expect(error?.message == "the data key of 'openai' cannot be unwrapped (tampered or bound to another owner)", "byte \(index)")
        }
        var short = sealed
        short.wrappedDataKey = Data(sealed.wrappedDataKey.prefix(10))
        #expect(secretsError { () throws(SecretsError) in try sealer.open(short, owner: "openai") } != nil)
    }

    @Test("opening under a different master key names both key ids")
    func wrongMaster() throws {
        let sealed = try sealer.seal(SecretValue(Self.credential), owner: "openai")
        let error = secretsError { () throws(SecretsError) in try CredentialSealer(master: otherMaster).open(sealed, owner: "openai") }
        #expect(error?.message == "the credential of 'openai' is wrapped by master key \(master.id), not the current \(otherMaster.id)")
        var relabelled = sealed
        relabelled.masterKeyID = otherMaster.id
        let relabelledError = secretsError { () throws(SecretsError) in try CredentialSealer(master: otherMaster).open(relabelled, owner: "openai") }
        #expect(relabelledError?.message == "the data key of 'openai' cannot be unwrapped (tampered or bound to another owner)")
    }

    @Test("rewrap: the new master opens it, the old no longer does, the ciphertext is untouched")
    func rewrap() throws {
        let sealed = try sealer.seal(SecretValue(Self.credential), owner: "openai")
        let rewrapped = try sealer.rewrap(sealed, owner: "openai", to: otherMaster)
        #expect(rewrapped.masterKeyID == otherMaster.id)
        #expect(rewrapped.ciphertext == sealed.ciphertext)
        #expect(rewrapped.fingerprint == sealed.fingerprint)
        #expect(rewrapped.wrappedDataKey != sealed.wrappedDataKey)
        #expect(try CredentialSealer(master: otherMaster).open(rewrapped, owner: "openai").revealForTransport() == Self.credential)
        #expect(secretsError { () throws(SecretsError) in try sealer.open(rewrapped, owner: "openai") } != nil)
        var forged = rewrapped
        forged.masterKeyID = master.id
        #expect(secretsError { () throws(SecretsError) in try sealer.open(forged, owner: "openai") } != nil, "old master cannot unwrap the new box")
        // Rewrapping back restores access under the first key.
        let back = try CredentialSealer(master: otherMaster).rewrap(rewrapped, owner: "openai", to: master)
        #expect(try sealer.open(back, owner: "openai").revealForTransport() == Self.credential)
    }

    @Test("rewrap refuses a credential it cannot unwrap")
    func rewrapRefuses() throws {
        let sealed = try sealer.seal(SecretValue(Self.credential), owner: "openai")
        #expect(secretsError { () throws(SecretsError) in try sealer.rewrap(sealed, owner: "azure", to: otherMaster) } != nil)
        #expect(secretsError { () throws(SecretsError) in try CredentialSealer(master: otherMaster).rewrap(sealed, owner: "openai", to: master) } != nil)
    }

    @Test("the fingerprint is keyed by the pepper: stable across seals, master keys, owners and rewraps, short, reveals nothing")
    func fingerprint() throws {
        let pepper = KeyHasher.newPepper()
        let keyed = CredentialSealer(master: master, fingerprinter: CredentialFingerprinter(pepper: pepper))
        let first = try keyed.seal(SecretValue(Self.credential), owner: "openai")
        let again = try CredentialSealer(master: otherMaster, fingerprinter: CredentialFingerprinter(pepper: pepper)).seal(SecretValue(Self.credential), owner: "other")
        let different = try keyed.seal(SecretValue(Self.credential + "x"), owner: "openai")
        #expect(first.fingerprint == again.fingerprint)
        #expect(first.fingerprint != different.fingerprint)
        #expect(first.fingerprint.hasPrefix("hmac:"))
        #expect(first.fingerprint.count == 17)
        #expect(first.fingerprint.dropFirst(5).allSatisfy { "0123456789abcdef".contains($0) })
        #expect(!Self.credential.contains(String(first.fingerprint.dropFirst(5))))
        #expect(try keyed.rewrap(first, owner: "openai", to: otherMaster).fingerprint == first.fingerprint, "stable across a master-key rewrap")
        // Offline guessing needs the key: another pepper (a database without its master key) gives another value.
        let otherPepper = try CredentialSealer(master: master, fingerprinter: CredentialFingerprinter(pepper: KeyHasher.newPepper()))
            .seal(SecretValue(Self.credential), owner: "openai")
        #expect(otherPepper.fingerprint != first.fingerprint)
        // A legacy unkeyed fingerprint is replaced by the keyed one at the next rewrap.
        var legacy = first
        legacy.fingerprint = "sha256:ab12cd34"
        #expect(try keyed.rewrap(legacy, owner: "openai", to: otherMaster).fingerprint == first.fingerprint)
        // Without a fingerprinter (internal secrets) nothing derived from the plaintext is kept.
        #expect(try sealer.seal(SecretValue(Self.credential), owner: "openai").fingerprint == "")
    }

    @Test("a sealed credential survives a Codable round trip")
    func codable() throws {
        let sealed = try sealer.seal(SecretValue(Self.credential), owner: "openai")
        let decoded = try JSONDecoder().decode(SealedCredential.self, from: JSONEncoder().encode(sealed))
        #expect(decoded == sealed)
        #expect(try sealer.open(decoded, owner: "openai").revealForTransport() == Self.credential)
    }
}
