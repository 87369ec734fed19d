import AAMCore
import AAMIdentity
import Foundation
import Synchronization
import X509

/// One mTLS connection's client: the X.509-SVID chain it proved in the handshake, and the
/// cached verdict on it (issue 13 item 9: a keep-alive connection must not outlive its SVID's
/// expiry or its trust domain's revocation).
///
/// Every request re-checks the chain (`current(in:at:)`). The verdict is cached with the
/// bundle generation it was reached under and the earliest notAfter on the validated chain, so
/// the common case is a lock-free-of-await comparison; a bundle reload or the clock passing
/// notAfter makes it stale and the chain is validated again against the current bundles.
public final class MTLSPeer: Sendable {
    /// The SPIFFE ID the handshake verified.
    public let id: SPIFFEID
    let chain: [Certificate]

    struct Verdict: Sendable {
        let generation: UInt64
        /// nil: valid until `validUntil`.
        let refusal: SVIDError?
        let validUntil: Date
    }

    private let verdict: Mutex<Verdict>

    init(verified: X509SVIDVerifier.Verified, chain: [Certificate], generation: UInt64) {
        self.id = verified.id
        self.chain = chain
        self.verdict = Mutex(Verdict(generation: generation, refusal: nil, validUntil: verified.validUntil))
    }

    /// The peer's SPIFFE ID if its SVID is still valid under `store`'s current bundles at `now`;
    /// otherwise why not (expired, trust domain revoked, no longer chains after a rotation).
    /// No lock is held across the re-validation; two requests racing on one connection may
    /// both validate, and either result is right for the generation it names.
    func current(in store: TrustBundleStore, at now: Date) async throws(SVIDError) -> SPIFFEID {
        let snapshot = store.snapshot
        let cached = verdict.withLock { $0 }
        if cached.generation == snapshot.generation {
            if let refusal = cached.refusal { throw refusal }
            if now <= cached.validUntil { return id }
        }
        let fresh: Verdict
        do {
            let verified = try await X509SVIDVerifier.check(chain: chain, bundles: snapshot.bundles, at: now)
            fresh = Verdict(generation: snapshot.generation, refusal: verified.id == id ? nil : .chainNotTrusted, validUntil: verified.validUntil)
        } catch {
            // Cached until the next reload; an expired chain stays refused after it too, as
            // the next validation finds it expired again.
            fresh = Verdict(generation: snapshot.generation, refusal: error, validUntil: .distantPast)
        }
        verdict.withLock { $0 = fresh }
        if let refusal = fresh.refusal { throw refusal }
        return id
    }
}
