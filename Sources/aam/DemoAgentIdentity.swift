import Foundation
import JWTKit

/// The demo's stand-in for a SPIRE server and agent: an ES256 signing key for trust domain
/// `prod` (kept in the data folder, mode 0600, so restarts reuse it), the SPIFFE bundle the
/// daemon verifies JWT-SVIDs against (`DATA_DIR/bundles/prod.json`), and short-lived JWT-SVIDs
/// for the sample workload, re-minted before they expire. The current one is also written to
/// `DATA_DIR/agent.jwt` (mode 0600) so an operator can call the gateway as the agent by hand.
actor DemoAgentIdentity {
    static let trustDomain = "prod"
    static let spiffeId = "spiffe://prod/agent/finance-analyst"
    /// JWT-SVIDs are bearer tokens: five minutes, renewed with a minute to spare.
    static let lifetime: TimeInterval = 300
    static let renewalMargin: TimeInterval = 60

    let bundleDirectory: String
    let tokenPath: String
    let audience: String
    private let key: ES256PrivateKey
    private let kid: String
    private let keys = JWTKeyCollection()
    private var keyAdded = false
    private var current: (token: String, expires: Date)?

    private init(key: ES256PrivateKey, kid: String, bundleDirectory: String, tokenPath: String, audience: String) {
        self.key = key
        self.kid = kid
        self.bundleDirectory = bundleDirectory
        self.tokenPath = tokenPath
        self.audience = audience
    }

    /// Loads (or creates) the signing key in `dataDir` and writes the trust bundle for it.
    static func prepare(in dataDir: String, audience: String = "aam") throws -> DemoAgentIdentity {
        let keyPath = "\(dataDir)/jwt-signing.pem"
        let key: ES256PrivateKey
        if let data = FileManager.default.contents(atPath: keyPath) {
            do { key = try ES256PrivateKey(pem: String(decoding: data, as: UTF8.self)) } catch {
                throw CLIError("\(keyPath) is not a P-256 private key in PEM: delete it and the demo makes a new one")
            }
        } else {
            key = ES256PrivateKey()
            guard FileManager.default.createFile(atPath: keyPath, contents: Data(key.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600])
            else { throw CLIError("cannot write \(keyPath)") }
        }
        guard let parameters = key.publicKey.parameters else { throw CLIError("the demo's JWT signing key has no EC parameters") }
        // The kid follows from the key, so a kept key keeps its kid and old tokens still verify.
        let kid = "demo-" + parameters.x.prefix(12)
        let bundles = "\(dataDir)/bundles"
        try FileManager.default.createDirectory(atPath: bundles, withIntermediateDirectories: true)
        // A SPIFFE bundle (JWK Set) with the one JWT-SVID key; TrustBundle.parse reads this shape.
        let jwk: [String: Any] = ["use": "jwt-svid", "kty": "EC", "crv": "P-256", "kid": kid, "x": parameters.x, "y": parameters.y]
        let bundle = try JSONSerialization.data(withJSONObject: ["keys": [jwk]], options: [.sortedKeys, .prettyPrinted])
        try bundle.write(to: URL(fileURLWithPath: "\(bundles)/\(trustDomain).json"), options: .atomic)
        return DemoAgentIdentity(key: key, kid: kid, bundleDirectory: bundles, tokenPath: "\(dataDir)/agent.jwt", audience: audience)
    }

    /// Whether a token expiring at `expires` must be replaced at `now` (pure; the margin leaves
    /// room for a request in flight and for clock skew).
    static func needsRenewal(expires: Date?, now: Date) -> Bool {
        guard let expires else { return true }
        return expires.timeIntervalSince(now) <= renewalMargin
    }

    /// The current JWT-SVID, minted anew (and written to `agent.jwt`) when close to expiry.
    func token(now: Date = Date()) async throws -> String {
        if let current, !Self.needsRenewal(expires: current.expires, now: now) { return current.token }
        if !keyAdded {
            await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
            keyAdded = true
        }
        let expires = now + Self.lifetime
        let claims = Claims(
            sub: SubjectClaim(value: Self.spiffeId), aud: AudienceClaim(value: [audience]), exp: ExpirationClaim(value: expires),
            iat: IssuedAtClaim(value: now))
        let token = try await keys.sign(claims, kid: JWKIdentifier(string: kid))
        try Self.writePrivately(token + "\n", to: tokenPath)
        current = (token, expires)
        return token
    }

    /// Renews the token (and its file) until cancelled, so a hand-made call always finds a valid one.
    func keepFresh() async {
        while !Task.isCancelled {
            _ = try? await token()
            try? await Task.sleep(for: .seconds(20))
        }
    }

    /// Writes through a temporary file and a rename: a reader never sees half a token.
    static func writePrivately(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        try? FileManager.default.removeItem(atPath: temporary)
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else { throw CLIError("cannot replace \(path)") }
    }

    /// The registered claims of a JWT-SVID (SPIFFE JWT-SVID spec §3).
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
