import AAMCore
import Foundation
import Testing

@testable import AAMIdentity

/// JWT-SVID keys are prepared once per bundle generation and reused; a new generation (a
/// rotated or emptied bundle) takes effect for the next verification.
@Suite struct JWTKeyCacheTests {
    let now = Date()
    let verifier = JWTSVIDVerifier(audience: "aam")

    func bundle(_ issuers: [TestJWTIssuer], domain: String = "prod") throws -> TrustBundle {
        try TrustBundle.parse(bundleJSON(issuers.map(\.bundleEntry)), trustDomain: domain)
    }

    @Test func aKeyIsPreparedOnceAndReusedAcrossVerifications() async throws {
        let es = TestJWTIssuer.es256(kid: "es-1")
        let prod = try bundle([es])
        let set = TrustBundleSet([prod])
        for _ in 0..<5 {
            let token = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 300, iat: now)
            _ = try await verifier.verify(token, bundles: set, at: now)
        }
        #expect(prod.jwtKeys.preparedCount == 1)
        let first = try #require(await prod.jwtKeys.key(kid: "es-1", alg: "ES256"))
        let second = try #require(await prod.jwtKeys.key(kid: "es-1", alg: "ES256"))
        #expect(first === second)
        #expect(prod.jwtKeys.preparedCount == 1)
    }

    @Test func concurrentFirstUsesAgreeOnOneKey() async throws {
        let prod = try bundle([TestJWTIssuer.es256(kid: "es-1")])
        let keys = await withTaskGroup(of: JWTKeyCache.PreparedKey?.self) { group in
            for _ in 0..<8 { group.addTask { await prod.jwtKeys.key(kid: "es-1", alg: "ES256") } }
            var all: [JWTKeyCache.PreparedKey?] = []
            for await key in group { all.append(key) }
            return all
        }
        let first = try #require(keys.first ?? nil)
        #expect(keys.allSatisfy { $0 === first }, "every caller gets the stored winner")
    }

    @Test func rsaKeyWithoutAlgIsPreparedPerAlgorithm() async throws {
        // One hostile RS256 token must not pin the key to RS256 for later PS256 tokens.
        let rs = try TestJWTIssuer.rs256(kid: "rs-1")
        let prod = try bundle([rs])
        let set = TrustBundleSet([prod])
        let hostile = TestJWTIssuer.unsigned(
            header: ["alg": "PS256", "kid": "rs-1"], claims: ["sub": "spiffe://prod/agent/a", "aud": "aam", "exp": Int(now.timeIntervalSince1970) + 300])
        await #expect(throws: SVIDError.badSignature) { try await verifier.verify(hostile, bundles: set, at: now) }
        let token = try await rs.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 300, iat: now)
        _ = try await verifier.verify(token, bundles: set, at: now)
        let rs256 = await prod.jwtKeys.key(kid: "rs-1", alg: "RS256")
        let ps256 = await prod.jwtKeys.key(kid: "rs-1", alg: "PS256")
        #expect(rs256?.algorithm.name == "RS256")
        #expect(ps256?.algorithm.name == "PS256")
        #expect(await prod.jwtKeys.key(kid: "missing", alg: "RS256") == nil)
    }

    @Test func rotationAndRevocationTakeEffectForTheNextVerification() async throws {
        let a = TestJWTIssuer.es256(kid: "key-a")
        let b = TestJWTIssuer.es256(kid: "key-b")
        let store = TrustBundleStore(TrustBundleSet([try bundle([a])]))
        let tokenA = try await a.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 300, iat: now)
        let tokenB = try await b.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 300, iat: now)
        _ = try await verifier.verify(tokenA, bundles: store.bundles, at: now)
        await #expect(throws: SVIDError.unknownKeyID) { try await verifier.verify(tokenB, bundles: store.bundles, at: now) }

        store.replace(TrustBundleSet([try bundle([b])]))
        _ = try await verifier.verify(tokenB, bundles: store.bundles, at: now)
        await #expect(throws: SVIDError.unknownKeyID) { try await verifier.verify(tokenA, bundles: store.bundles, at: now) }

        // Same kid, new key material: the old generation's prepared key is not reused.
        let impostorOfB = TestJWTIssuer.es256(kid: "key-b")
        store.replace(TrustBundleSet([try bundle([impostorOfB])]))
        await #expect(throws: SVIDError.badSignature) { try await verifier.verify(tokenB, bundles: store.bundles, at: now) }

        store.replace(TrustBundleSet([try bundle([])]))
        await #expect(throws: SVIDError.trustDomainRevoked("prod")) { try await verifier.verify(tokenB, bundles: store.bundles, at: now) }
    }

    @Test func directoryReloadKeepsTheGenerationOfAnUnchangedFileOnly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-jwtcache-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try bundleJSON([TestJWTIssuer.es256(kid: "p").bundleEntry]).write(to: directory.appendingPathComponent("prod.json"))
        try bundleJSON([TestJWTIssuer.es256(kid: "s").bundleEntry]).write(to: directory.appendingPathComponent("staging.json"))
        let first = TrustBundleDirectory.load(directory.path).bundles

        try bundleJSON([TestJWTIssuer.es256(kid: "s2").bundleEntry]).write(to: directory.appendingPathComponent("staging.json"))
        let second = TrustBundleDirectory.load(directory.path, previous: first).bundles
        #expect(try #require(second["prod"]).jwtKeys === (try #require(first["prod"])).jwtKeys, "unchanged file: same generation")
        #expect(try #require(second["staging"]).jwtKeys !== (try #require(first["staging"])).jwtKeys, "rewritten file: new generation")
        #expect(second["staging"]?.jwtAuthorities["s2"] != nil)
    }
}
