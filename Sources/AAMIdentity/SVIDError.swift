import AAMCore

/// Why an X.509-SVID or JWT-SVID was refused.
///
/// `description` is the reason a 401 response may carry: it names the rule that failed and
/// never echoes the presented token or certificate bytes (only the SPIFFE ID or trust domain,
/// which are identifiers, not secrets).
public enum SVIDError: Error, Sendable, Equatable, CustomStringConvertible {
    // X.509-SVID
    case noCertificate
    case malformedCertificate
    case noURISAN
    case multipleURISANs(Int)
    case invalidSPIFFEID(SPIFFEIDError)
    case leafIsCA
    case missingKeyUsage
    case missingDigitalSignature
    case leafMaySignCertificates
    case expired
    case notYetValid
    case chainNotTrusted
    case chainRejected(String)
    case unsupportedCriticalExtension(String)
    case signingCertificateInvalidID(String)
    case noX509Authorities(String)
    // Both
    case untrustedTrustDomain(String)
    case trustDomainRevoked(String)
    // JWT-SVID
    case malformedToken
    case unsupportedAlgorithm(String)
    case missingKeyID
    case unknownKeyID
    case algorithmMismatch
    case badSignature
    case missingExpiry
    case tokenExpired
    case tokenNotYetValid
    case lifetimeTooLong(maximumSeconds: Int)
    case wrongAudience
    case missingSubject

    public var description: String {
        switch self {
        case .noCertificate: return "no client certificate was presented"
        case .malformedCertificate: return "the client certificate is not valid DER X.509"
        case .noURISAN: return "the X.509-SVID has no URI subject alternative name"
        case .multipleURISANs(let count): return "the X.509-SVID has \(count) URI subject alternative names (exactly one is allowed)"
        case .invalidSPIFFEID(let error): return "the SVID's SPIFFE ID is invalid: \(error.description)"
        case .leafIsCA: return "the X.509-SVID is a CA certificate (cA must be false)"
        case .missingKeyUsage: return "the X.509-SVID has no key usage extension"
        case .missingDigitalSignature: return "the X.509-SVID's key usage lacks digitalSignature"
        case .leafMaySignCertificates: return "the X.509-SVID's key usage includes keyCertSign or cRLSign"
        case .expired: return "the X.509-SVID has expired"
        case .notYetValid: return "the X.509-SVID is not valid yet"
        case .chainNotTrusted: return "the X.509-SVID does not chain to its trust domain's bundle"
        case .chainRejected(let reason): return "the X.509-SVID's chain to its trust domain's bundle is invalid: \(reason)"
        case .unsupportedCriticalExtension(let oid): return "the X.509-SVID chain has a critical extension this broker does not understand (\(oid))"
        case .signingCertificateInvalidID(let uri):
            return "a signing certificate in the X.509-SVID chain has an invalid SPIFFE ID '\(uri.prefix(256))' (one at most, without a path)"
        case .noX509Authorities(let domain): return "trust domain '\(domain)' has no X.509 authorities in its bundle (JWT-SVIDs only)"
        case .untrustedTrustDomain(let domain): return "trust domain '\(domain)' is not trusted (no bundle)"
        case .trustDomainRevoked(let domain): return "trust domain '\(domain)' is revoked (its bundle is empty)"
        case .malformedToken: return "the JWT-SVID is malformed"
        case .unsupportedAlgorithm(let alg): return "JWT-SVID algorithm '\(alg)' is not allowed (RS/ES/PS 256/384/512 only)"
        case .missingKeyID: return "the JWT-SVID header has no 'kid'"
        case .unknownKeyID: return "the JWT-SVID 'kid' is not in its trust domain's bundle"
        case .algorithmMismatch: return "the JWT-SVID algorithm does not match its key"
        case .badSignature: return "the JWT-SVID signature does not verify"
        case .missingExpiry: return "the JWT-SVID has no 'exp'"
        case .tokenExpired: return "the JWT-SVID has expired"
        case .tokenNotYetValid: return "the JWT-SVID is not valid yet ('nbf')"
        case .lifetimeTooLong(let seconds): return "the JWT-SVID lives longer than the allowed \(seconds) seconds"
        case .wrongAudience: return "the JWT-SVID audience does not include this broker"
        case .missingSubject: return "the JWT-SVID has no 'sub'"
        }
    }
}
