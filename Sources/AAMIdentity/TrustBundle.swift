import AAMCore
import Foundation
import JWTKit
import X509

/// The trust material of one SPIFFE trust domain, parsed from a SPIFFE bundle (a JWK Set,
/// SPIFFE Trust Domain and Bundle spec §4): the CA certificates that sign its X.509-SVIDs
/// (`use: x509-svid`, certificate in `x5c`) and the public keys that sign its JWT-SVIDs
/// (`use: jwt-svid`, looked up by `kid`).
///
/// A bundle with no keys at all revokes the trust domain: no SVID of it verifies.
public struct TrustBundle: Sendable {
    public let trustDomain: String
    /// CA certificates for X.509-SVIDs of this trust domain only.
    public let x509Authorities: [Certificate]
    /// JWT-SVID verification keys by `kid`.
    public let jwtAuthorities: [String: JWK]
    /// `spiffe_sequence`, when the bundle carries one.
    public let sequence: UInt64?
    /// `spiffe_refresh_hint` in seconds, when the bundle carries one.
    public let refreshHintSeconds: Int?
    /// `jwtAuthorities` prepared for verification, once for this generation of the bundle.
    public let jwtKeys: JWTKeyCache
    /// The bytes this bundle was parsed from (nil when built in code): a reload that finds the
    /// same bytes keeps this generation, and its prepared keys, instead of re-parsing.
    public let source: Data?

    public init(
        trustDomain: String, x509Authorities: [Certificate], jwtAuthorities: [String: JWK], sequence: UInt64? = nil,
        refreshHintSeconds: Int? = nil, source: Data? = nil
    ) {
        self.trustDomain = trustDomain
        self.x509Authorities = x509Authorities
        self.jwtAuthorities = jwtAuthorities
        self.sequence = sequence
        self.refreshHintSeconds = refreshHintSeconds
        self.jwtKeys = JWTKeyCache(jwtAuthorities)
        self.source = source
    }

    /// Whether the trust domain is revoked (its bundle has no keys at all).
    public var isRevoked: Bool { x509Authorities.isEmpty && jwtAuthorities.isEmpty }

    /// Parses the JSON of a SPIFFE bundle for `trustDomain`.
    ///
    /// Stricter than the spec's "ignore a JWK you cannot parse": an entry with a known `use`
    /// that is malformed rejects the whole file, so a typo never silently shrinks (or, when it
    /// was the last key, revokes) a trust domain; the caller keeps the previous bundle instead.
    /// Entries with another `use` are ignored, as the spec says.
    public static func parse(_ data: Data, trustDomain: String) throws(TrustBundleError) -> TrustBundle {
        do {
            _ = try SPIFFEID("spiffe://" + trustDomain)
        } catch {
            throw .invalidTrustDomain(trustDomain, error.description)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let root = object as? [String: Any] else {
            throw .notJSONObject
        }
        guard let keys = root["keys"] as? [Any] else { throw .missingKeys }
        var certificates: [Certificate] = []
        var jwtKeys: [String: JWK] = [:]
        for (index, element) in keys.enumerated() {
            guard let entry = element as? [String: Any] else { throw .entry(index, "is not a JSON object") }
            switch entry["use"] as? String {
            case "x509-svid":
                guard let chain = entry["x5c"] as? [String], chain.count == 1 else {
                    throw .entry(index, "an x509-svid key needs 'x5c' with exactly one base64 DER certificate")
                }
                guard let der = Data(base64Encoded: chain[0]), let certificate = try? Certificate(derEncoded: Array(der)) else {
                    throw .entry(index, "'x5c' is not a base64 DER X.509 certificate")
                }
                certificates.append(certificate)
            case "jwt-svid":
                guard let kid = entry["kid"] as? String, !kid.isEmpty else {
                    throw .entry(index, "a jwt-svid key needs a non-empty 'kid'")
                }
                guard jwtKeys[kid] == nil else { throw .entry(index, "duplicate kid '\(kid)'") }
                guard let kty = entry["kty"] as? String, kty == "EC" || kty == "RSA" else {
                    throw .entry(index, "a jwt-svid key must have 'kty' EC or RSA")
                }
                guard let json = try? JSONSerialization.data(withJSONObject: entry),
                    let jwk = try? JSONDecoder().decode(JWK.self, from: json)
                else {
                    throw .entry(index, "is not a valid JWK")
                }
                jwtKeys[kid] = jwk
            default:
                continue
            }
        }
        return TrustBundle(
            trustDomain: trustDomain, x509Authorities: certificates, jwtAuthorities: jwtKeys,
            sequence: (root["spiffe_sequence"] as? NSNumber)?.uint64Value,
            refreshHintSeconds: (root["spiffe_refresh_hint"] as? NSNumber)?.intValue, source: data)
    }
}

/// Why a bundle file was refused; `description` is the sentence the log shows.
public enum TrustBundleError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidTrustDomain(String, String)
    case notJSONObject
    case missingKeys
    case entry(Int, String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .invalidTrustDomain(let name, let reason): return "'\(name)' is not a trust domain name: \(reason)"
        case .notJSONObject: return "is not a JSON object (a SPIFFE bundle is a JWK Set)"
        case .missingKeys: return "has no 'keys' array"
        case .entry(let index, let reason): return "keys[\(index)] \(reason)"
        case .unreadable(let reason): return "cannot be read: \(reason)"
        }
    }
}

/// The bundles of every trusted trust domain, by name. Immutable; swapped whole on reload.
public struct TrustBundleSet: Sendable {
    public let bundles: [String: TrustBundle]

    public init(_ bundles: [TrustBundle] = []) {
        self.bundles = Dictionary(bundles.map { ($0.trustDomain, $0) }, uniquingKeysWith: { _, last in last })
    }

    init(byDomain: [String: TrustBundle]) { self.bundles = byDomain }

    public subscript(trustDomain: String) -> TrustBundle? { bundles[trustDomain] }

    public static let empty = TrustBundleSet()
}
