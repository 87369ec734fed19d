import AAMCore
import AAMIdentity
import Foundation
import Testing
import X509

@testable import AAMServer

/// The per-connection verdict cache (issue 13 item 9), event by event with explicit times: the
/// common case is a comparison, a reload or notAfter makes the chain validate again.
@Suite struct MTLSPeerVerdictTests {
    let now = Date()

    @Test func theCachedVerdictIsUsedUntilAReloadOrNotAfter() async throws {
        let ca = try WorkloadTestCA(trustDomain: "prod")
        let svid = try ca.issueSVID(uris: ["spiffe://prod/agent/a"], notAfter: 60)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-verdict-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try ca.writeBundle(into: directory)
        let trusted = TrustBundleDirectory.load(directory.path, previous: .empty).bundles
        let store = TrustBundleStore(trusted)
        let verified = try await X509SVIDVerifier.check(chain: [svid.certificate], bundles: store.bundles, at: now)
        #expect(verified.validUntil == svid.certificate.notValidAfter)
        let peer = MTLSPeer(verified: verified, chain: [svid.certificate], generation: store.generation)

        // Same generation, before notAfter: the cached verdict answers.
        #expect(try await peer.current(in: store, at: now + 30).description == "spiffe://prod/agent/a")
        // Proof that the cached case does not validate: a verdict naming a store's generation
        // answers even when that store's bundles (empty here) would refuse the chain.
        let untrusting = TrustBundleStore()
        let cachedOnly = MTLSPeer(verified: verified, chain: [svid.certificate], generation: untrusting.generation)
        #expect(try await cachedOnly.current(in: untrusting, at: now) == verified.id)
        untrusting.replace(.empty)
        await #expect(throws: SVIDError.untrustedTrustDomain("prod")) { try await cachedOnly.current(in: untrusting, at: now) }

        // Past notAfter: validated again, and refused as expired.
        await #expect(throws: SVIDError.expired) { try await peer.current(in: store, at: now + 61) }
        // Still refused at the same generation (the refusal is cached too).
        await #expect(throws: SVIDError.expired) { try await peer.current(in: store, at: now + 61) }

        // A reload starts a new generation: an empty bundle revokes the connection's SVID.
        let fresh = MTLSPeer(verified: verified, chain: [svid.certificate], generation: store.generation)
        store.replace(TrustBundleSet([try TrustBundle.parse(Data(#"{"keys":[]}"#.utf8), trustDomain: "prod")]))
        await #expect(throws: SVIDError.trustDomainRevoked("prod")) { try await fresh.current(in: store, at: now) }
        store.replace(trusted)
        #expect(try await fresh.current(in: store, at: now) == verified.id)
    }

    @Test func generationsAdvanceOnEveryReplace() {
        let store = TrustBundleStore()
        let first = store.generation
        store.replace(.empty)
        #expect(store.generation == first + 1)
        #expect(store.snapshot.generation == store.generation)
    }
}
