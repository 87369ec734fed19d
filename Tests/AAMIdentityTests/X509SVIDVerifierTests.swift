import AAMCore
import Foundation
import Testing
import X509

@testable import AAMIdentity

@Suite struct X509SVIDVerifierTests {
    let now = Date()
    let prod: TestSPIFFEAuthority
    let staging: TestSPIFFEAuthority
    let bundles: TrustBundleSet

    init() throws {
        prod = try TestSPIFFEAuthority(trustDomain: "prod", now: now)
        staging = try TestSPIFFEAuthority(trustDomain: "staging", now: now)
        bundles = TrustBundleSet([
            try TrustBundle.parse(bundleJSON([prod.bundleEntry]), trustDomain: "prod"),
            try TrustBundle.parse(bundleJSON([staging.bundleEntry]), trustDomain: "staging"),
        ])
    }

    func verify(_ leaf: Certificate, at time: Date? = nil, bundles: TrustBundleSet? = nil) async throws(SVIDError) -> SPIFFEID {
        try await X509SVIDVerifier.verify(chain: [leaf], bundles: bundles ?? self.bundles, at: time ?? now)
    }

    @Test func validSVIDYieldsItsSPIFFEID() async throws {
        let leaf = try prod.issue("spiffe://prod/agent/finance-analyst", now: now).certificate
        let id = try await verify(leaf)
        #expect(id.description == "spiffe://prod/agent/finance-analyst")
        // The same over DER bytes, as the TLS stack hands them over.
        let der = try leaf.serializeAsPEM().derBytes
        let again = try await X509SVIDVerifier.verify(derChain: [der], bundles: bundles, at: now)
        #expect(again == id)
    }

    @Test func twoURISANsAreRefused() async throws {
        let leaf = try prod.issue("", now: now, defects: .init(uris: ["spiffe://prod/a", "spiffe://prod/b"])).certificate
        await #expect(throws: SVIDError.multipleURISANs(2)) { try await verify(leaf) }
    }

    @Test func noSANAndNonSPIFFEURIAreRefused() async throws {
        let none = try prod.issue("", now: now, defects: .init(uris: [])).certificate
        await #expect(throws: SVIDError.noURISAN) { try await verify(none) }
        let https = try prod.issue("https://prod/agent", now: now).certificate
        await #expect(throws: SVIDError.invalidSPIFFEID(.wrongScheme)) { try await verify(https) }
        let dotted = try prod.issue("spiffe://prod/a/../b", now: now).certificate
        await #expect(throws: SVIDError.invalidSPIFFEID(.dotSegment)) { try await verify(dotted) }
    }

    @Test func caLeafAndSigningKeyUsagesAreRefused() async throws {
        let ca = try prod.issue("spiffe://prod/agent", now: now, defects: .init(isCA: true)).certificate
        await #expect(throws: SVIDError.leafIsCA) { try await verify(ca) }
        let certSign = try prod.issue("spiffe://prod/agent", now: now, defects: .init(keyUsage: KeyUsage(digitalSignature: true, keyCertSign: true))).certificate
        await #expect(throws: SVIDError.leafMaySignCertificates) { try await verify(certSign) }
        let crlSign = try prod.issue("spiffe://prod/agent", now: now, defects: .init(keyUsage: KeyUsage(digitalSignature: true, cRLSign: true))).certificate
        await #expect(throws: SVIDError.leafMaySignCertificates) { try await verify(crlSign) }
        let noDigital = try prod.issue("spiffe://prod/agent", now: now, defects: .init(keyUsage: KeyUsage(keyEncipherment: true))).certificate
        await #expect(throws: SVIDError.missingDigitalSignature) { try await verify(noDigital) }
        let noUsage = try prod.issue("spiffe://prod/agent", now: now, defects: .init(keyUsage: nil)).certificate
        await #expect(throws: SVIDError.missingKeyUsage) { try await verify(noUsage) }
    }

    @Test func anotherTrustDomainsCACannotVouch() async throws {
        // Issued by prod's CA, but claims an ID in staging: only staging's bundle is consulted.
        let forged = try prod.issue("spiffe://staging/agent", now: now).certificate
        await #expect(throws: SVIDError.chainNotTrusted) { try await verify(forged) }
        let unknown = try prod.issue("spiffe://elsewhere/agent", now: now).certificate
        await #expect(throws: SVIDError.untrustedTrustDomain("elsewhere")) { try await verify(unknown) }
    }

    @Test func anImpostorCAWithTheSameNameCannotVouch() async throws {
        // Same trust domain and subject DN as prod's CA, different key: path building must
        // check the signature, not just match names.
        let impostor = try TestSPIFFEAuthority(trustDomain: "prod", now: now)
        let leaf = try impostor.issue("spiffe://prod/agent", now: now).certificate
        await #expect(throws: SVIDError.chainNotTrusted) { try await verify(leaf) }
        // A bundle holding only JWT keys has no X.509 authority: its X.509-SVIDs are refused.
        let jwtOnly = TrustBundleSet([
            try TrustBundle.parse(bundleJSON([TestJWTIssuer.es256(kid: "k").bundleEntry]), trustDomain: "prod")
        ])
        let genuine = try prod.issue("spiffe://prod/agent", now: now).certificate
        await #expect(throws: SVIDError.noX509Authorities("prod")) { try await verify(genuine, bundles: jwtOnly) }
    }

    @Test func validityIsCheckedAtTheInjectedTime() async throws {
        let expired = try prod.issue("spiffe://prod/agent", now: now, defects: .init(notBefore: -7200, notAfter: -60)).certificate
        await #expect(throws: SVIDError.expired) { try await verify(expired) }
        let future = try prod.issue("spiffe://prod/agent", now: now, defects: .init(notBefore: 600, notAfter: 7200)).certificate
        await #expect(throws: SVIDError.notYetValid) { try await verify(future) }
        // The future one verifies once its time has come.
        let id = try await verify(future, at: now + 1200)
        #expect(id.description == "spiffe://prod/agent")
    }

    @Test func emptyBundleRevokesTheTrustDomain() async throws {
        let leaf = try prod.issue("spiffe://prod/agent", now: now).certificate
        let revoked = TrustBundleSet([try TrustBundle.parse(bundleJSON([]), trustDomain: "prod")])
        await #expect(throws: SVIDError.trustDomainRevoked("prod")) { try await verify(leaf, bundles: revoked) }
    }
}
