import AAMCore
import Foundation
import Testing
import X509

@testable import AAMIdentity

/// X.509-SVIDs as other SPIFFE issuers (Istio, SPIRE with intermediates) produce them: an empty
/// subject with a critical URI SAN (RFC 5280 §4.2.1.6), CAs carrying their trust domain's ID.
/// Issue 13 item 10: these were refused as "does not chain to its trust domain's bundle".
@Suite struct X509SVIDInteropTests {
    let now = Date()
    let prod: TestSPIFFEAuthority
    let bundles: TrustBundleSet

    init() throws {
        prod = try TestSPIFFEAuthority(trustDomain: "prod", now: now)
        bundles = TrustBundleSet([try TrustBundle.parse(bundleJSON([prod.bundleEntry]), trustDomain: "prod")])
    }

    func verify(_ chain: [Certificate]) async throws(SVIDError) -> SPIFFEID {
        try await X509SVIDVerifier.verify(chain: chain, bundles: bundles, at: now)
    }

    @Test func emptySubjectWithCriticalURISANVerifies() async throws {
        let leaf = try prod.issue("spiffe://prod/ns/default/sa/analyst", now: now, defects: .init(emptySubject: true)).certificate
        #expect(leaf.subject.isEmpty)
        #expect(leaf.extensions.first { $0.oid == .X509ExtensionID.subjectAlternativeName }?.critical == true)
        let id = try await verify([leaf])
        #expect(id.description == "spiffe://prod/ns/default/sa/analyst")
        let der = try leaf.serializeAsPEM().derBytes
        #expect(try await X509SVIDVerifier.verify(derChain: [der], bundles: bundles, at: now) == id)
    }

    @Test func emptySubjectSVIDsStillObeyTheLeafRules() async throws {
        let istio = TestSPIFFEAuthority.Defects(emptySubject: true)
        var two = istio
        two.uris = ["spiffe://prod/a", "spiffe://prod/b"]
        await #expect(throws: SVIDError.multipleURISANs(2)) { try await verify([try prod.issue("", now: now, defects: two).certificate]) }
        var ca = istio
        ca.isCA = true
        await #expect(throws: SVIDError.leafIsCA) { try await verify([try prod.issue("spiffe://prod/a", now: now, defects: ca).certificate]) }
        var certSign = istio
        certSign.keyUsage = KeyUsage(digitalSignature: true, keyCertSign: true)
        await #expect(throws: SVIDError.leafMaySignCertificates) {
            try await verify([try prod.issue("spiffe://prod/a", now: now, defects: certSign).certificate])
        }
        var noDigital = istio
        noDigital.keyUsage = KeyUsage(keyEncipherment: true)
        await #expect(throws: SVIDError.missingDigitalSignature) {
            try await verify([try prod.issue("spiffe://prod/a", now: now, defects: noDigital).certificate])
        }
        var https = istio
        https.uris = ["https://prod/a"]
        await #expect(throws: SVIDError.invalidSPIFFEID(.wrongScheme)) { try await verify([try prod.issue("", now: now, defects: https).certificate]) }
        // Signed by a stranger: the real reason is the chain.
        let stranger = try TestSPIFFEAuthority(trustDomain: "prod", now: now)
        await #expect(throws: SVIDError.chainNotTrusted) {
            try await verify([try stranger.issue("spiffe://prod/a", now: now, defects: istio).certificate])
        }
    }

    @Test func anUnknownCriticalExtensionIsNamed() async throws {
        let leaf = try prod.issue("spiffe://prod/a", now: now, defects: .init(unknownCriticalExtension: true)).certificate
        await #expect(throws: SVIDError.unsupportedCriticalExtension("1.3.6.1.4.1.99999.1")) { try await verify([leaf]) }
    }

    @Test func anIntermediateCarryingItsTrustDomainsIDWithACriticalSANChains() async throws {
        let intermediate = try TestSPIFFEAuthority(trustDomain: "prod", now: now, issuer: prod, uris: ["spiffe://prod"], criticalSAN: true)
        let leaf = try intermediate.issue("spiffe://prod/a", now: now, defects: .init(emptySubject: true)).certificate
        #expect(try await verify([leaf, intermediate.certificate]).description == "spiffe://prod/a")
        // An intermediate without any SAN chains too.
        let plain = try TestSPIFFEAuthority(trustDomain: "prod", now: now, issuer: prod, uris: [], criticalSAN: false)
        #expect(try await verify([try plain.issue("spiffe://prod/b", now: now).certificate, plain.certificate]).description == "spiffe://prod/b")
    }

    @Test func aSigningCertificateWhoseSPIFFEIDHasAPathIsRefused() async throws {
        // SPIFFE X509-SVID §3: a signing certificate's SPIFFE ID MUST NOT have a path.
        let intermediate = try TestSPIFFEAuthority(trustDomain: "prod", now: now, issuer: prod, uris: ["spiffe://prod/ca"], criticalSAN: true)
        let leaf = try intermediate.issue("spiffe://prod/a", now: now).certificate
        await #expect(throws: SVIDError.signingCertificateInvalidID("spiffe://prod/ca")) { try await verify([leaf, intermediate.certificate]) }
        // Two SPIFFE IDs on a signing certificate are refused as well.
        let twice = try TestSPIFFEAuthority(trustDomain: "prod", now: now, issuer: prod, uris: ["spiffe://prod", "spiffe://other"], criticalSAN: false)
        await #expect(throws: SVIDError.self) { try await verify([try twice.issue("spiffe://prod/a", now: now).certificate, twice.certificate]) }
    }

    @Test func aRootWithACriticalSPIFFEIDSANIsAnAuthority() async throws {
        let root = try TestSPIFFEAuthority(trustDomain: "prod", now: now, issuer: nil, uris: ["spiffe://prod"], criticalSAN: true)
        let bundles = TrustBundleSet([try TrustBundle.parse(bundleJSON([root.bundleEntry]), trustDomain: "prod")])
        let leaf = try root.issue("spiffe://prod/a", now: now, defects: .init(emptySubject: true)).certificate
        #expect(try await X509SVIDVerifier.verify(chain: [leaf], bundles: bundles, at: now).description == "spiffe://prod/a")
    }

    @Test func aChainAPolicyRefusesNamesThatPolicysReason() async throws {
        // The bundle's root allows no intermediate (pathLenConstraint 0): RFC 5280 refuses the
        // chain, and the refusal says so instead of "does not chain".
        let root = try TestSPIFFEAuthority(trustDomain: "prod", now: now, issuer: nil, uris: ["spiffe://prod"], criticalSAN: false, maxPathLength: 0)
        let bundles = TrustBundleSet([try TrustBundle.parse(bundleJSON([root.bundleEntry]), trustDomain: "prod")])
        let intermediate = try TestSPIFFEAuthority(trustDomain: "prod", now: now, issuer: root, uris: [], criticalSAN: false)
        let leaf = try intermediate.issue("spiffe://prod/a", now: now).certificate
        do {
            _ = try await X509SVIDVerifier.verify(chain: [leaf, intermediate.certificate], bundles: bundles, at: now)
            Issue.record("a chain over the root's path length was accepted")
        } catch {
            guard case .chainRejected(let reason) = error else {
                Issue.record("expected chainRejected, got \(error)")
                return
            }
            #expect(!reason.isEmpty && reason.count <= 300, "\(reason)")
            #expect(error.description.hasPrefix("the X.509-SVID's chain to its trust domain's bundle is invalid: "))
        }
    }
}
