import AAMCore
import Foundation
// The verifier checks expiry at an injected time (tests, bundle reload), hence the fixed-time SPI.
@_spi(FixedExpiryValidationTime) import X509

/// Verifies an X.509-SVID chain (SPIFFE X509-SVID spec §4-5): pure over the certificates, the
/// bundles and the time it is given.
///
/// Leaf rules: exactly one URI SAN holding a valid SPIFFE ID; `cA` false; key usage present
/// with `digitalSignature` and without `keyCertSign`/`cRLSign`; valid at `time`. The chain is
/// then validated (RFC 5280, swift-certificates `Verifier`) against the X.509 authorities of
/// the SVID's OWN trust domain only, so a CA of domain A can never vouch for an ID in domain B,
/// with `SPIFFEChainPolicy` (signing certificates' SPIFFE IDs; a critical SAN is understood).
public enum X509SVIDVerifier {
    /// - Parameter chain: leaf first, then any intermediates, as the peer sent them.
    /// - Returns: the verified SPIFFE ID.
    public static func verify(chain: [Certificate], bundles: TrustBundleSet, at time: Date) async throws(SVIDError) -> SPIFFEID {
        try await check(chain: chain, bundles: bundles, at: time).id
    }

    /// A verified SVID: its SPIFFE ID and until when the verdict holds by the clock alone (the
    /// earliest notAfter on the validated chain, bundle authority included).
    public struct Verified: Sendable {
        public let id: SPIFFEID
        public let validUntil: Date
    }

    /// `verify`, also saying until when the verdict holds (what a connection caches).
    public static func check(chain: [Certificate], bundles: TrustBundleSet, at time: Date) async throws(SVIDError) -> Verified {
        guard let leaf = chain.first else { throw .noCertificate }
        let id = try spiffeID(of: leaf)
        try checkLeaf(leaf, at: time)
        guard let bundle = bundles[id.trustDomain] else { throw .untrustedTrustDomain(id.trustDomain) }
        guard !bundle.isRevoked else { throw .trustDomainRevoked(id.trustDomain) }
        guard !bundle.x509Authorities.isEmpty else { throw .noX509Authorities(id.trustDomain) }
        // Checked before validation: the verifier refuses such a leaf without saying why.
        if let oid = SPIFFEChainPolicy.unhandledCriticalExtension(of: leaf) { throw .unsupportedCriticalExtension(oid) }
        let intermediates = Array(chain.dropFirst())
        var verifier = Verifier(rootCertificates: CertificateStore(bundle.x509Authorities)) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            SPIFFEChainPolicy()
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate(let validated):
            return Verified(id: id, validUntil: validated.map(\.notValidAfter).min() ?? leaf.notValidAfter)
        case .couldNotValidate(let failures):
            throw refusal(intermediates: intermediates, failures: failures)
        }
    }

    /// The real reason no chain was found: a presented signing certificate the rules refuse,
    /// a candidate chain a policy refused (expired intermediate, path length, ...), or no path
    /// to the bundle's authorities at all.
    static func refusal(intermediates: [Certificate], failures: [CertificateValidationResult.PolicyFailure]) -> SVIDError {
        for certificate in intermediates {
            if let oid = SPIFFEChainPolicy.unhandledCriticalExtension(of: certificate) { return .unsupportedCriticalExtension(oid) }
            if let error = SPIFFEChainPolicy.signingCertificateProblem(certificate) { return error }
        }
        if let failure = failures.first { return .chainRejected(String(failure.policyFailureReason.description.prefix(300))) }
        return .chainNotTrusted
    }

    /// The same over DER bytes (what a TLS stack hands over).
    public static func verify(derChain: [[UInt8]], bundles: TrustBundleSet, at time: Date) async throws(SVIDError) -> SPIFFEID {
        try await verify(chain: try parse(derChain: derChain), bundles: bundles, at: time)
    }

    /// Parses a DER chain, leaf first.
    public static func parse(derChain: [[UInt8]]) throws(SVIDError) -> [Certificate] {
        var chain: [Certificate] = []
        for der in derChain {
            guard let certificate = try? Certificate(derEncoded: der) else { throw .malformedCertificate }
            chain.append(certificate)
        }
        return chain
    }

    /// The leaf's one SPIFFE ID, or why it has none.
    static func spiffeID(of leaf: Certificate) throws(SVIDError) -> SPIFFEID {
        let names: SubjectAlternativeNames?
        do { names = try leaf.extensions.subjectAlternativeNames } catch { throw .malformedCertificate }
        var uris: [String] = []
        for name in names ?? SubjectAlternativeNames() {
            if case .uniformResourceIdentifier(let uri) = name { uris.append(uri) }
        }
        guard let uri = uris.first else { throw .noURISAN }
        guard uris.count == 1 else { throw .multipleURISANs(uris.count) }
        do {
            return try SPIFFEID(uri)
        } catch {
            throw .invalidSPIFFEID(error)
        }
    }

    static func checkLeaf(_ leaf: Certificate, at time: Date) throws(SVIDError) {
        let constraints: BasicConstraints?
        let usage: KeyUsage?
        do {
            constraints = try leaf.extensions.basicConstraints
            usage = try leaf.extensions.keyUsage
        } catch {
            throw .malformedCertificate
        }
        if case .isCertificateAuthority = constraints { throw .leafIsCA }
        guard let usage else { throw .missingKeyUsage }
        guard usage.digitalSignature else { throw .missingDigitalSignature }
        guard !usage.keyCertSign, !usage.cRLSign else { throw .leafMaySignCertificates }
        guard time >= leaf.notValidBefore else { throw .notYetValid }
        guard time <= leaf.notValidAfter else { throw .expired }
    }
}
