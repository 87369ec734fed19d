import Foundation
import Testing

@testable import AAMIdentity

@Suite struct TrustBundleTests {
    @Test func parsesX509AndJWTAuthoritiesWithSequence() throws {
        let ca = try TestSPIFFEAuthority(trustDomain: "prod")
        let jwt = TestJWTIssuer.es256(kid: "k1")
        let bundle = try TrustBundle.parse(bundleJSON([ca.bundleEntry, jwt.bundleEntry, ["use": "other", "kty": "EC"]], sequence: 7), trustDomain: "prod")
        #expect(bundle.x509Authorities == [ca.certificate])
        #expect(Array(bundle.jwtAuthorities.keys) == ["k1"])
        #expect(bundle.sequence == 7)
        #expect(!bundle.isRevoked)
    }

    @Test func emptyKeySetRevokes() throws {
        let bundle = try TrustBundle.parse(bundleJSON([]), trustDomain: "prod")
        #expect(bundle.isRevoked)
    }

    @Test func refusesMalformedFilesWithPreciseErrors() throws {
        #expect(throws: TrustBundleError.notJSONObject) { try TrustBundle.parse(Data("[1]".utf8), trustDomain: "prod") }
        #expect(throws: TrustBundleError.missingKeys) { try TrustBundle.parse(Data("{}".utf8), trustDomain: "prod") }
        #expect(throws: TrustBundleError.entry(0, "an x509-svid key needs 'x5c' with exactly one base64 DER certificate")) {
            try TrustBundle.parse(bundleJSON([["use": "x509-svid", "kty": "EC"]]), trustDomain: "prod")
        }
        #expect(throws: TrustBundleError.entry(0, "'x5c' is not a base64 DER X.509 certificate")) {
            try TrustBundle.parse(bundleJSON([["use": "x509-svid", "x5c": ["AAAA"]]]), trustDomain: "prod")
        }
        #expect(throws: TrustBundleError.entry(0, "a jwt-svid key needs a non-empty 'kid'")) {
            try TrustBundle.parse(bundleJSON([["use": "jwt-svid", "kty": "EC"]]), trustDomain: "prod")
        }
        let key = TestJWTIssuer.es256(kid: "k1").bundleEntry
        #expect(throws: TrustBundleError.entry(1, "duplicate kid 'k1'")) {
            try TrustBundle.parse(bundleJSON([key, key]), trustDomain: "prod")
        }
        #expect(throws: TrustBundleError.invalidTrustDomain("Prod", "trust domain may only hold lowercase letters, digits, '.', '-' and '_' (found 'P')")) {
            try TrustBundle.parse(bundleJSON([]), trustDomain: "Prod")
        }
    }

    @Test func directoryReloadKeepsPreviousBundleOfABadFileAndDropsRemovedOnes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bundles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let prod = try TestSPIFFEAuthority(trustDomain: "prod")
        let staging = try TestSPIFFEAuthority(trustDomain: "staging")
        try bundleJSON([prod.bundleEntry]).write(to: directory.appendingPathComponent("prod.json"))
        try bundleJSON([staging.bundleEntry]).write(to: directory.appendingPathComponent("staging.json"))
        try Data("ignored".utf8).write(to: directory.appendingPathComponent("README"))
        let first = TrustBundleDirectory.load(directory.path)
        #expect(first.errors.isEmpty)
        #expect(Set(first.bundles.bundles.keys) == ["prod", "staging"])
        let fingerprint = TrustBundleDirectory.fingerprint(directory.path)

        try Data("{not json".utf8).write(to: directory.appendingPathComponent("prod.json"))
        try FileManager.default.removeItem(at: directory.appendingPathComponent("staging.json"))
        #expect(TrustBundleDirectory.fingerprint(directory.path) != fingerprint)
        let second = TrustBundleDirectory.load(directory.path, previous: first.bundles)
        #expect(second.errors.map(\.description) == ["trust bundle prod.json is not a JSON object (a SPIFFE bundle is a JWK Set)"])
        #expect(second.bundles["prod"]?.x509Authorities == [prod.certificate])
        #expect(second.bundles["staging"] == nil)
    }
}
