import AAMCore
import Foundation
import Testing

@testable import AAMIdentity

@Suite struct JWTSVIDVerifierTests {
    // Whole seconds, as JWT NumericDates usually are: "exactly 24 h" must not hinge on float rounding.
    let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    let es = TestJWTIssuer.es256(kid: "es-1")
    let verifier = JWTSVIDVerifier(audience: "aam")

    func bundles(_ issuers: [TestJWTIssuer]) throws -> TrustBundleSet {
        TrustBundleSet([
            try TrustBundle.parse(bundleJSON(issuers.map(\.bundleEntry)), trustDomain: "prod"),
            try TrustBundle.parse(bundleJSON([]), trustDomain: "gone"),
        ])
    }

    @Test func validES256AndRS256Verify() async throws {
        let rs = try TestJWTIssuer.rs256(kid: "rs-1")
        let set = try bundles([es, rs])
        for issuer in [es, rs] {
            let token = try await issuer.sign(sub: "spiffe://prod/agent/a", aud: ["other", "aam"], exp: now + 300, iat: now)
            #expect(JWTSVIDVerifier.looksLikeJWT(token))
            let id = try await verifier.verify(token, bundles: set, at: now)
            #expect(id.description == "spiffe://prod/agent/a")
        }
    }

    @Test func disallowedAlgorithmsAreRefusedBeforeAnyKeyIsUsed() async throws {
        let set = try bundles([es])
        let claims: [String: Any] = ["sub": "spiffe://prod/agent/a", "aud": "aam", "exp": Int(now.timeIntervalSince1970) + 300]
        for alg in ["none", "HS256", "EdDSA"] {
            let token = TestJWTIssuer.unsigned(header: ["alg": alg, "kid": "es-1"], claims: claims)
            await #expect(throws: SVIDError.unsupportedAlgorithm(alg)) { try await verifier.verify(token, bundles: set, at: now) }
        }
        // An allowed name that does not match the key's type.
        let rsOnEC = TestJWTIssuer.unsigned(header: ["alg": "RS256", "kid": "es-1"], claims: claims)
        await #expect(throws: SVIDError.algorithmMismatch) { try await verifier.verify(rsOnEC, bundles: set, at: now) }
    }

    @Test func audienceExpiryAndLifetimeAreEnforced() async throws {
        let set = try bundles([es])
        let wrongAud = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["someone-else"], exp: now + 300)
        await #expect(throws: SVIDError.wrongAudience) { try await verifier.verify(wrongAud, bundles: set, at: now) }
        let expired = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now - 120)
        await #expect(throws: SVIDError.tokenExpired) { try await verifier.verify(expired, bundles: set, at: now) }
        let withinLeeway = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now - 10)
        _ = try await verifier.verify(withinLeeway, bundles: set, at: now)
        let noExp = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: nil)
        await #expect(throws: SVIDError.missingExpiry) { try await verifier.verify(noExp, bundles: set, at: now) }
        let longLived = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 2 * 86400, iat: now)
        await #expect(throws: SVIDError.lifetimeTooLong(maximumSeconds: 86400)) { try await verifier.verify(longLived, bundles: set, at: now) }
        let early = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 600, nbf: now + 300)
        await #expect(throws: SVIDError.tokenNotYetValid) { try await verifier.verify(early, bundles: set, at: now) }
        _ = try await verifier.verify(early, bundles: set, at: now + 301)
    }

    @Test func aTokenValidForDaysIsRefusedHoweverItsIatIsSet() async throws {
        let set = try bundles([es])
        let tooLong = SVIDError.lifetimeTooLong(maximumSeconds: 86400)
        // No `iat`: measured from now.
        let noIat = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 3 * 86400)
        await #expect(throws: tooLong) { try await verifier.verify(noIat, bundles: set, at: now) }
        // An `iat` in the future cannot shorten the remaining validity.
        let futureIat = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 3 * 86400, iat: now + 3 * 86400 - 60)
        await #expect(throws: tooLong) { try await verifier.verify(futureIat, bundles: set, at: now) }
        // An old `iat` counts: issued a week ago, still unexpired, is a week-long token.
        let oldIat = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 300, iat: now - 7 * 86400)
        await #expect(throws: tooLong) { try await verifier.verify(oldIat, bundles: set, at: now) }
        // Exactly the maximum passes; a stricter verifier refuses an hour-long token.
        let day = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 86400, iat: now)
        _ = try await verifier.verify(day, bundles: set, at: now)
        let strict = JWTSVIDVerifier(audience: "aam", maximumLifetime: 600)
        await #expect(throws: SVIDError.lifetimeTooLong(maximumSeconds: 600)) { try await strict.verify(day, bundles: set, at: now) }
    }

    @Test func tamperedPayloadAndMissingAudienceAreRefused() async throws {
        let set = try bundles([es])
        let token = try await es.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 300, iat: now)
        // Swap in another payload under the original signature.
        let parts = token.split(separator: ".")
        let forgedClaims = TestJWTIssuer.unsigned(
            header: [:], claims: ["sub": "spiffe://prod/agent/b", "aud": "aam", "exp": Int(now.timeIntervalSince1970) + 300]
        ).split(separator: ".")[1]
        let tampered = [parts[0], forgedClaims, parts[2]].joined(separator: ".")
        await #expect(throws: SVIDError.badSignature) { try await verifier.verify(tampered, bundles: set, at: now) }
        let noAudience = try await es.sign(sub: "spiffe://prod/agent/a", aud: nil, exp: now + 300)
        await #expect(throws: SVIDError.wrongAudience) { try await verifier.verify(noAudience, bundles: set, at: now) }
        let missingSub = try await es.sign(sub: nil, aud: ["aam"], exp: now + 300)
        await #expect(throws: SVIDError.missingSubject) { try await verifier.verify(missingSub, bundles: set, at: now) }
        let untrusted = try await es.sign(sub: "spiffe://elsewhere/agent/a", aud: ["aam"], exp: now + 300)
        await #expect(throws: SVIDError.untrustedTrustDomain("elsewhere")) { try await verifier.verify(untrusted, bundles: set, at: now) }
    }

    @Test func anotherTrustDomainsKeyCannotVouchEvenUnderTheSameKid() async throws {
        // staging's key, with the kid prod also uses, signing a prod ID: only prod's keys count.
        let prodKey = TestJWTIssuer.es256(kid: "shared")
        let stagingKey = TestJWTIssuer.es256(kid: "shared")
        let set = TrustBundleSet([
            try TrustBundle.parse(bundleJSON([prodKey.bundleEntry]), trustDomain: "prod"),
            try TrustBundle.parse(bundleJSON([stagingKey.bundleEntry]), trustDomain: "staging"),
        ])
        let forged = try await stagingKey.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 300)
        await #expect(throws: SVIDError.badSignature) { try await verifier.verify(forged, bundles: set, at: now) }
        let genuine = try await stagingKey.sign(sub: "spiffe://staging/agent/a", aud: ["aam"], exp: now + 300)
        #expect(try await verifier.verify(genuine, bundles: set, at: now).trustDomain == "staging")
    }

    @Test func keyAndTrustDomainLookups() async throws {
        let set = try bundles([es])
        let stranger = TestJWTIssuer.es256(kid: "unknown")
        let unknownKid = try await stranger.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 300)
        await #expect(throws: SVIDError.unknownKeyID) { try await verifier.verify(unknownKid, bundles: set, at: now) }
        // Right kid, wrong key: the signature does not verify.
        let impostor = TestJWTIssuer.es256(kid: "es-1")
        let forged = try await impostor.sign(sub: "spiffe://prod/agent/a", aud: ["aam"], exp: now + 300)
        await #expect(throws: SVIDError.badSignature) { try await verifier.verify(forged, bundles: set, at: now) }
        let revoked = try await es.sign(sub: "spiffe://gone/agent/a", aud: ["aam"], exp: now + 300)
        await #expect(throws: SVIDError.trustDomainRevoked("gone")) { try await verifier.verify(revoked, bundles: set, at: now) }
        let badSub = try await es.sign(sub: "spiffe://Prod/agent", aud: ["aam"], exp: now + 300)
        await #expect(throws: SVIDError.invalidSPIFFEID(.trustDomainCharacter("P"))) { try await verifier.verify(badSub, bundles: set, at: now) }
        await #expect(throws: SVIDError.malformedToken) { try await verifier.verify("eyJ.abc", bundles: set, at: now) }
        #expect(!JWTSVIDVerifier.looksLikeJWT("sk-aam-abcdef"))
    }
}

@Suite struct Base64URLTests {
    @Test func decodesUnpaddedBase64URLAndRefusesEverythingElse() {
        let samples: [[UInt8]] = [[], [0], [0xFB], [0xFB, 0xFF], [0xFB, 0xFF, 0xBF], Array(0...255)]
        for bytes in samples {
            let encoded = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            #expect(JWTSVIDVerifier.base64URLDecode(Substring(encoded)) == Data(bytes), "\(encoded)")
        }
        // Padding, standard-alphabet characters, a lone trailing character, non-zero spare bits.
        for bad in ["AA==", "+w", "/w", "A", "AAAAA", "AB", "AAB"] {
            #expect(JWTSVIDVerifier.base64URLDecode(Substring(bad)) == nil, "\(bad)")
        }
    }
}
