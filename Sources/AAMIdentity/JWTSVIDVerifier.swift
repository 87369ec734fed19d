import AAMCore
import Foundation
import JWTKit

/// Verifies a JWT-SVID (SPIFFE JWT-SVID spec) presented as `Authorization: Bearer <jwt>`.
///
/// Rules, checked before any key is used: the header `alg` is one of RS/ES/PS 256/384/512
/// (`none`, HMAC and everything else refused); `kid` is present; `sub` is a valid SPIFFE ID,
/// whose trust domain picks the bundle; `kid` names one of that bundle's `jwt-svid` keys. Then
/// the signature is checked with the key as prepared for this bundle generation
/// (`JWTKeyCache`: parsed once, not per request), and the claims are checked at the injected `now`: `exp`
/// required and not past (with `leeway`), `nbf` honoured, `aud` contains `audience`, and the
/// token's lifetime (`exp - iat`, `exp - now` when `iat` is absent or in the future) is at most
/// `maximumLifetime` (24 h by default, not configurable by a flag): JWT-SVIDs are bearer
/// tokens and must be short-lived, so a token valid for days is refused even when its `exp`
/// has not passed. SPIRE issues 5-minute JWT-SVIDs by default.
public struct JWTSVIDVerifier: Sendable {
    public var audience: String
    public var maximumLifetime: TimeInterval
    public var leeway: TimeInterval

    /// The algorithms a JWT-SVID may use (SPIFFE JWT-SVID spec §3).
    public static let allowedAlgorithms: Set<String> = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"]

    public init(audience: String = "aam", maximumLifetime: TimeInterval = 24 * 3600, leeway: TimeInterval = 30) {
        self.audience = audience
        self.maximumLifetime = maximumLifetime
        self.leeway = leeway
    }

    /// Whether `token` has the shape of a JWT (three base64url parts, the first a JSON header):
    /// how the data plane tells a JWT-SVID from a virtual key.
    public static func looksLikeJWT(_ token: some StringProtocol) -> Bool {
        guard token.hasPrefix("eyJ") else { return false }
        var dots = 0
        for byte in token.utf8 {
            if byte == UInt8(ascii: ".") {
                dots += 1
            } else if !isBase64URL(byte) {
                return false
            }
        }
        return dots == 2
    }

    /// - Returns: the verified SPIFFE ID.
    public func verify(_ token: String, bundles: TrustBundleSet, at now: Date) async throws(SVIDError) -> SPIFFEID {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URLDecode(parts[0]), let payloadData = Self.base64URLDecode(parts[1]),
            let header = try? JSONDecoder().decode(Header.self, from: headerData)
        else { throw .malformedToken }
        guard Self.allowedAlgorithms.contains(header.alg) else { throw .unsupportedAlgorithm(String(header.alg.prefix(16))) }
        guard let kid = header.kid, !kid.isEmpty else { throw .missingKeyID }
        guard let unverified = try? JSONDecoder().decode(SubjectOnly.self, from: payloadData) else { throw .malformedToken }
        guard let subject = unverified.sub else { throw .missingSubject }
        let id: SPIFFEID
        do { id = try SPIFFEID(subject) } catch { throw .invalidSPIFFEID(error) }
        guard let bundle = bundles[id.trustDomain] else { throw .untrustedTrustDomain(id.trustDomain) }
        guard !bundle.isRevoked else { throw .trustDomainRevoked(id.trustDomain) }
        guard let jwk = bundle.jwtAuthorities[kid] else { throw .unknownKeyID }
        if let keyAlgorithm = jwk.algorithm, keyAlgorithm.rawValue != header.alg { throw .algorithmMismatch }
        guard Self.keyType(of: header.alg) == jwk.keyType else { throw .algorithmMismatch }

        // The bundle generation's prepared key (parsed once, reused by every request); the
        // signature covers `header.payload` exactly as sent.
        guard let key = await bundle.jwtKeys.key(kid: kid, alg: header.alg), let signature = Self.base64URLDecode(parts[2]).map(Array.init) else {
            throw .badSignature
        }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard (try? key.algorithm.verify(signature, signs: signingInput)) == true else { throw .badSignature }
        let claims: Claims
        do { claims = try Self.claimsDecoder.decode(Claims.self, from: payloadData) } catch { throw .malformedToken }
        guard let expiry = claims.exp?.value else { throw .missingExpiry }
        guard now.timeIntervalSince(expiry) <= leeway else { throw .tokenExpired }
        if let notBefore = claims.nbf?.value, notBefore.timeIntervalSince(now) > leeway { throw .tokenNotYetValid }
        // Measured from `iat` or from now, whichever is earlier: an `iat` set in the future
        // cannot make a token that is still valid for days look short-lived.
        let start = min(claims.iat?.value ?? now, now)
        guard expiry.timeIntervalSince(start) <= maximumLifetime else { throw .lifetimeTooLong(maximumSeconds: Int(maximumLifetime)) }
        guard claims.aud?.value.contains(audience) ?? false else { throw .wrongAudience }
        guard claims.sub?.value == subject else { throw .missingSubject }
        return id
    }

    /// NumericDate claims are seconds since the epoch (RFC 7519 §2), as jwt-kit decodes them.
    static let claimsDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    struct Header: Decodable {
        let alg: String
        let kid: String?
    }

    struct SubjectOnly: Decodable {
        let sub: String?
    }

    /// The registered claims a JWT-SVID carries. Time checks are done by `verify` with its
    /// injected clock, not by jwt-kit's wall-clock `verify(using:)`.
    struct Claims: JWTPayload {
        var sub: SubjectClaim?
        var aud: AudienceClaim?
        var exp: ExpirationClaim?
        var nbf: NotBeforeClaim?
        var iat: IssuedAtClaim?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func keyType(of algorithm: String) -> JWK.KeyType {
        algorithm.hasPrefix("ES") ? .ecdsa : .rsa
    }

    static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default: return false
        }
    }

    /// Unpadded base64url (RFC 7515 §2) to bytes, at byte level. Foundation's decoder needs the
    /// text rewritten to padded base64 first; for an RS256 signature that rewrite cost more
    /// than the per-request key parsing the key cache removed (release bench: ~20 µs a token).
    static func base64URLDecode(_ text: Substring) -> Data? {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "_"): value = 63
            default: return nil
            }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // A lone trailing character (6 bits) or non-zero leftover bits is not canonical base64url.
        guard bits < 6, accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return Data(output)
    }
}
