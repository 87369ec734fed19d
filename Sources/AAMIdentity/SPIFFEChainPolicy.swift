import AAMCore
import SwiftASN1
import X509

/// The SPIFFE X509-SVID rules that swift-certificates' chain builder must apply to every
/// candidate chain, and the reason it may accept a CRITICAL subjectAlternativeName.
///
/// `Verifier` refuses any certificate with a critical extension that no policy in its set
/// claims. RFC5280Policy does not claim subjectAlternativeName (only a name-matching policy
/// does), so an SVID with an empty subject, whose SAN RFC 5280 §4.2.1.6 requires to be critical
/// (Istio's, for one), was refused before path building, and reported as "does not chain".
/// This policy claims the extension because the SAN's content IS enforced: the leaf's by
/// `X509SVIDVerifier.spiffeID(of:)` before validation, every signing certificate's here.
struct SPIFFEChainPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.subjectAlternativeName]

    mutating func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        for certificate in chain.dropFirst() {
            if let error = Self.signingCertificateProblem(certificate) {
                return .failsToMeetPolicy(reason: error.description)
            }
        }
        return .meetsPolicy
    }

    /// SPIFFE X509-SVID §3: a signing certificate MAY carry a SPIFFE ID (of any trust domain),
    /// at most one, and it MUST NOT have a path. Other URI SANs on a CA name nothing here.
    static func signingCertificateProblem(_ certificate: Certificate) -> SVIDError? {
        let names: SubjectAlternativeNames?
        do { names = try certificate.extensions.subjectAlternativeNames } catch { return .malformedCertificate }
        var ids: [String] = []
        for name in names ?? SubjectAlternativeNames() {
            if case .uniformResourceIdentifier(let uri) = name, uri.utf8.count >= 7, uri.prefix(7).lowercased() == "spiffe:" {
                ids.append(uri)
            }
        }
        guard let uri = ids.first else { return nil }
        guard ids.count == 1, let id = try? SPIFFEID(uri), id.path.isEmpty else { return .signingCertificateInvalidID(uri) }
        return nil
    }

    /// The critical extensions the verifier's whole policy set handles.
    static let handledCriticalExtensions: [ASN1ObjectIdentifier] =
        RFC5280Policy().verifyingCriticalExtensions + [.X509ExtensionID.subjectAlternativeName]

    /// The first critical extension of `certificate` no policy handles, as a dotted OID.
    static func unhandledCriticalExtension(of certificate: Certificate) -> String? {
        certificate.extensions.first { $0.critical && !handledCriticalExtensions.contains($0.oid) }.map { $0.oid.description }
    }
}
