import Foundation
import JWTKit
import _CryptoExtras

@testable import AAMIdentity

/// Signs JWT-SVIDs with an in-process key (ES256 or RS256) and renders its bundle entry.
struct TestJWTIssuer: Sendable {
    enum Key: Sendable { case ecdsa(ES256PrivateKey), rsa(JWTKit.Insecure.RSA.PrivateKey) }

    let kid: String
    let key: Key
    let bundleEntry: [String: String]

    static func es256(kid: String) -> TestJWTIssuer {
        let key = ES256PrivateKey()
        let parameters = key.publicKey.parameters!
        return TestJWTIssuer(
            kid: kid, key: .ecdsa(key),
            bundleEntry: ["use": "jwt-svid", "kty": "EC", "crv": "P-256", "kid": kid, "x": parameters.x, "y": parameters.y])
    }

    static func rs256(kid: String) throws -> TestJWTIssuer {
        let key = try JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        let primitives = try key.publicKey.getKeyPrimitives()
        return TestJWTIssuer(
            kid: kid, key: .rsa(key),
            bundleEntry: ["use": "jwt-svid", "kty": "RSA", "kid": kid, "n": base64URL(primitives.modulus), "e": base64URL(primitives.publicExponent)])
    }

    /// Signs claims; `nil` fields are left out of the token.
    func sign(sub: String?, aud: [String]?, exp: Date?, nbf: Date? = nil, iat: Date? = nil) async throws -> String {
        let keys = JWTKeyCollection()
        switch key {
        case .ecdsa(let key): await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        case .rsa(let key): await keys.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        }
        let claims = JWTSVIDVerifier.Claims(
            sub: sub.map { SubjectClaim(value: $0) }, aud: aud.map { AudienceClaim(value: $0) },
            exp: exp.map { ExpirationClaim(value: $0) }, nbf: nbf.map { NotBeforeClaim(value: $0) },
            iat: iat.map { IssuedAtClaim(value: $0) })
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A token with an arbitrary header (for `none`, HS256 and friends) and a junk signature.
    static func unsigned(header: [String: String], claims: [String: Any]) -> String {
        let headerData = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        let claimsData = try! JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
        return base64URL(headerData) + "." + base64URL(claimsData) + "." + base64URL(Data("sig".utf8))
    }
}
