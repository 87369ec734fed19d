import Crypto
import Foundation
import X509

/// A test CA for one trust domain, generated in-process (P-256): issues X.509-SVIDs with
/// whatever defects a test needs and renders its SPIFFE bundle entry.
struct TestSPIFFEAuthority {
    let trustDomain: String
    let key: P256.Signing.PrivateKey
    let certificate: Certificate
    let name: DistinguishedName

    init(trustDomain: String, now: Date = Date()) throws {
        try self.init(trustDomain: trustDomain, now: now, issuer: nil, uris: ["spiffe://\(trustDomain)"], criticalSAN: false)
    }

    /// A CA for `trustDomain` carrying `uris` as its URI SANs (critical when `criticalSAN`),
    /// self-signed, or an intermediate signed by `issuer`.
    init(
        trustDomain: String, now: Date = Date(), issuer: TestSPIFFEAuthority?, uris: [String], criticalSAN: Bool, maxPathLength: Int? = nil
    ) throws {
        self.trustDomain = trustDomain
        self.key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("test CA \(trustDomain) \(UUID().uuidString.prefix(6))") }
        self.name = name
        let sans = SubjectAlternativeNames(uris.map { .uniformResourceIdentifier($0) })
        self.certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 365 * 86400, issuer: issuer?.name ?? name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: maxPathLength))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                if !uris.isEmpty {
                    if criticalSAN { Critical(sans) } else { sans }
                }
            },
            issuerPrivateKey: .init(issuer?.key ?? key))
    }

    /// Which defects an issued SVID has.
    struct Defects {
        var uris: [String]? = nil
        var isCA = false
        var keyUsage: KeyUsage? = KeyUsage(digitalSignature: true)
        var notBefore: TimeInterval = -3600
        var notAfter: TimeInterval = 3600
        /// Istio-style: an empty subject DN, so the SAN extension is critical (RFC 5280 §4.2.1.6).
        var emptySubject = false
        /// Another critical extension no verifier understands (an unknown private OID).
        var unknownCriticalExtension = false
    }

    /// Issues a leaf for `spiffeID` (as its one URI SAN unless `defects.uris` says otherwise).
    func issue(_ spiffeID: String, now: Date = Date(), defects: Defects = Defects()) throws -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        let leafKey = P256.Signing.PrivateKey()
        let uris = defects.uris ?? [spiffeID]
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
            notValidBefore: now + defects.notBefore, notValidAfter: now + defects.notAfter, issuer: name,
            subject: defects.emptySubject ? DistinguishedName() : try DistinguishedName { CommonName("workload") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(defects.isCA ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : .notCertificateAuthority)
                if let usage = defects.keyUsage { Critical(usage) }
                if !uris.isEmpty {
                    let sans = SubjectAlternativeNames(uris.map { .uniformResourceIdentifier($0) })
                    if defects.emptySubject { Critical(sans) } else { sans }
                }
                if defects.unknownCriticalExtension {
                    Certificate.Extension(oid: [1, 3, 6, 1, 4, 1, 99999, 1], critical: true, value: [0x05, 0x00])
                }
            },
            issuerPrivateKey: .init(key))
        return (leaf, leafKey)
    }

    /// The `keys[]` entry that puts this CA in a SPIFFE bundle.
    var bundleEntry: [String: Any] {
        let der = try! certificate.serializeAsPEM().derBytes
        return ["use": "x509-svid", "kty": "EC", "crv": "P-256", "x5c": [Data(der).base64EncodedString()]]
    }
}

/// Renders a bundle JSON document from `keys` entries.
func bundleJSON(_ keys: [[String: Any]], sequence: Int? = nil) -> Data {
    var root: [String: Any] = ["keys": keys]
    if let sequence { root["spiffe_sequence"] = sequence }
    return try! JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
}
