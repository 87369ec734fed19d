import AAMCore
import AAMSecrets
import Foundation
import Testing

@Suite("KeyHasher")
struct KeyHasherTests {
    @Test("matches the HMAC-SHA-256 test vectors of RFC 4231")
    func knownAnswers() {
        // Test case 2: key "Jefe".
        #expect(
            KeyHasher(pepper: Array("Jefe".utf8)).hash("what do ya want for nothing?")
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 1: key 0x0b × 20.
        #expect(
            KeyHasher(pepper: Array(repeating: 0x0B, count: 20)).hash("Hi There")
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test("deterministic, 64 lowercase hex characters")
    func deterministic() {
        let pepper = KeyHasher.newPepper()
        let key = VirtualKeyFormat.generate()
        let hash = KeyHasher(pepper: pepper).hash(key)
        #expect(hash == KeyHasher(pepper: pepper).hash(key))
        #expect(hash.count == 64)
        #expect(hash.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(!hash.contains(key))
    }

    @Test("different peppers or keys give different hashes")
    func differs() {
        let key = VirtualKeyFormat.generate()
        let pepperA = KeyHasher.newPepper()
        let pepperB = KeyHasher.newPepper()
        #expect(pepperA != pepperB)
        #expect(pepperA.count == 32)
        #expect(KeyHasher(pepper: pepperA).hash(key) != KeyHasher(pepper: pepperB).hash(key))
        #expect(KeyHasher(pepper: pepperA).hash(key) != KeyHasher(pepper: pepperA).hash(key + "x"))
        var oneBitOff = pepperA
        oneBitOff[31] ^= 1
        #expect(KeyHasher(pepper: pepperA).hash(key) != KeyHasher(pepper: oneBitOff).hash(key))
    }
}

@Suite("PepperVault")
struct PepperVaultTests {
    let sealer = CredentialSealer(master: try! MasterKey(base64: keyA))
    let newMaster = try! MasterKey(base64: keyB)

    @Test("seal then open returns the pepper, and the stored bytes do not contain it")
    func roundTrip() throws {
        let pepper = KeyHasher.newPepper()
        let stored = try PepperVault.seal(pepper, with: sealer)
        #expect(try PepperVault.open(stored, with: sealer) == pepper)
        #expect(stored.range(of: Data(pepper)) == nil)
        #expect(String(decoding: stored, as: UTF8.self).range(of: Data(pepper).base64EncodedString()) == nil)
        let sealed = try JSONDecoder().decode(SealedCredential.self, from: stored)
        #expect(sealed.masterKeyID == sealer.master.id)
        #expect(PepperVault.owner == "aam:key-pepper")
        #expect(PepperVault.secretName == "key-pepper")
    }

    @Test("the pepper is bound to its owner name: it does not open as a credential of another owner")
    func ownerBound() throws {
        let stored = try PepperVault.seal(KeyHasher.newPepper(), with: sealer)
        let sealed = try JSONDecoder().decode(SealedCredential.self, from: stored)
        #expect(secretsError { () throws(SecretsError) in try sealer.open(sealed, owner: "openai") } != nil)
    }

    @Test("rewrap to a new master: the new sealer opens it, the old does not, hashes are unchanged")
    func rewrap() throws {
        let pepper = KeyHasher.newPepper()
        let stored = try PepperVault.seal(pepper, with: sealer)
        let rewrapped = try PepperVault.rewrap(stored, from: sealer, to: newMaster)
        let newSealer = CredentialSealer(master: newMaster)
        #expect(try PepperVault.open(rewrapped, with: newSealer) == pepper)
        #expect(secretsError { () throws(SecretsError) in try PepperVault.open(rewrapped, with: sealer) } != nil)
        let before = try JSONDecoder().decode(SealedCredential.self, from: stored)
        let after = try JSONDecoder().decode(SealedCredential.self, from: rewrapped)
        #expect(before.ciphertext == after.ciphertext)
        let key = VirtualKeyFormat.generate()
        #expect(KeyHasher(pepper: try PepperVault.open(rewrapped, with: newSealer)).hash(key) == KeyHasher(pepper: pepper).hash(key))
    }

    @Test("corrupt stored bytes are reported as corrupt", arguments: [Data(), Data("not json".utf8), Data("{}".utf8)])
    func corrupt(stored: Data) {
        #expect(secretsError { () throws(SecretsError) in try PepperVault.open(stored, with: sealer) }?.message == "the stored key pepper is corrupt")
        #expect(
            secretsError { () throws(SecretsError) in try PepperVault.rewrap(stored, from: sealer, to: newMaster) }?.message
                == "the stored key pepper is corrupt")
    }

    @Test("opening with the wrong master key fails")
    func wrongMaster() throws {
        let stored = try PepperVault.seal(KeyHasher.newPepper(), with: sealer)
        #expect(secretsError { () throws(SecretsError) in try PepperVault.open(stored, with: CredentialSealer(master: newMaster)) } != nil)
    }
}
