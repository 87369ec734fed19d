// X509, Crypto, JWTKit and NIOSSL reach this test target through AAMServer -> AAMIdentity and
// AsyncHTTPClient; the integrator may list them as direct dependencies of AAMServerTests.
import Crypto
import Foundation
import JWTKit
import NIOSSL
import X509
import AAMServer

/// A test SPIFFE CA for one trust domain (P-256, in-process): issues X.509-SVIDs (with chosen
/// defects), the mTLS listener's server certificate, and ES256 JWT-SVIDs; writes its bundle.
struct WorkloadTestCA {
    let trustDomain: String
    let key: P256.Signing.PrivateKey
    let certificate: Certificate
    let name: DistinguishedName
    let jwtKey = ES256PrivateKey()
    let jwtKid = "jwt-\(UUID().uuidString.prefix(8))"

    init(trustDomain: String) throws {
        self.trustDomain = trustDomain
        key = P256.Signing.PrivateKey()
        name = try DistinguishedName { CommonName("test CA \(trustDomain)") }
        certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: Date() - 3600,
            notValidAfter: Date() + 86400, issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(key))
    }

    struct Issued {
        let certificate: Certificate
        let key: P256.Signing.PrivateKey
        var nioCertificate: NIOSSLCertificate { try! NIOSSLCertificate(bytes: try! certificate.serializeAsPEM().derBytes, format: .der) }
        var nioKey: NIOSSLPrivateKey { try! NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem) }
    }

    /// An X.509-SVID carrying `uris` as its URI SANs. `emptySubject` issues it as Istio does:
    /// an empty subject DN and, as RFC 5280 §4.2.1.6 then requires, a critical SAN extension.
    func issueSVID(uris: [String], isCA: Bool = false, notAfter: TimeInterval = 3600, emptySubject: Bool = false) throws -> Issued {
        let leafKey = P256.Signing.PrivateKey()
        let sans = SubjectAlternativeNames(uris.map { .uniformResourceIdentifier($0) })
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey), notValidBefore: Date() - 7200,
            notValidAfter: Date() + notAfter, issuer: name,
            subject: emptySubject ? DistinguishedName() : try DistinguishedName { CommonName("workload") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(isCA ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : .notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                if emptySubject { Critical(sans) } else { sans }
            },
            issuerPrivateKey: .init(key))
        return Issued(certificate: certificate, key: leafKey)
    }

    /// The mTLS listener's own certificate (127.0.0.1), written as PEM files into `directory`.
    func writeServerCertificate(into directory: URL) throws -> (cert: String, key: String) {
        let serverKey = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey), notValidBefore: Date() - 3600,
            notValidAfter: Date() + 86400, issuer: name, subject: try DistinguishedName { CommonName("127.0.0.1") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
            },
            issuerPrivateKey: .init(key))
        let certPath = directory.appendingPathComponent("server.pem").path
        let keyPath = directory.appendingPathComponent("server.key").path
        try certificate.serializeAsPEM().pemString.write(toFile: certPath, atomically: true, encoding: .utf8)
        try serverKey.pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)
        return (certPath, keyPath)
    }

    /// Writes `DIR/TRUST_DOMAIN.json` with this CA and its JWT key (or an empty key set).
    func writeBundle(into directory: URL, empty: Bool = false) throws {
        var keys: [[String: Any]] = []
        if !empty {
            keys.append(["use": "x509-svid", "kty": "EC", "crv": "P-256", "x5c": [Data(try certificate.serializeAsPEM().derBytes).base64EncodedString()]])
            let parameters = jwtKey.publicKey.parameters!
            keys.append(["use": "jwt-svid", "kty": "EC", "crv": "P-256", "kid": jwtKid, "x": parameters.x, "y": parameters.y])
        }
        let data = try JSONSerialization.data(withJSONObject: ["keys": keys], options: [.sortedKeys])
        try data.write(to: directory.appendingPathComponent("\(trustDomain).json"))
    }

    /// A bundle holding only this CA's JWT key. Its size is the same for every CA (fixed-size
    /// P-256 coordinates and kid), so a test can swap one for another unseen by the poller.
    func jwtOnlyBundle() throws -> Data {
        let parameters = jwtKey.publicKey.parameters!
        let key: [String: Any] = ["use": "jwt-svid", "kty": "EC", "crv": "P-256", "kid": jwtKid, "x": parameters.x, "y": parameters.y]
        return try JSONSerialization.data(withJSONObject: ["keys": [key]], options: [.sortedKeys])
    }

    /// An ES256 JWT-SVID for `subject`.
    func jwtSVID(subject: String, audience: [String] = ["aam"], expiresIn: TimeInterval = 300) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: jwtKey, kid: JWKIdentifier(string: jwtKid))
        return try await keys.sign(
            SVIDClaims(sub: SubjectClaim(value: subject), aud: AudienceClaim(value: audience), exp: ExpirationClaim(value: Date() + expiresIn)),
            kid: JWKIdentifier(string: jwtKid))
    }

    struct SVIDClaims: JWTPayload {
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}

/// A gateway with trust bundles for `cas` (and, with `mtls`, the mTLS listener on a free port),
/// a simulated provider behind alias `fast`, and the bundle directory it watches.
struct WorkloadGateway {
    let harness: GatewayHarness
    let bundleDirectory: URL

    static func start(cas: [WorkloadTestCA], mtls: Bool, configure: (inout DaemonOptions) -> Void = { _ in }) async throws -> WorkloadGateway {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aam-wl-\(UUID().uuidString.prefix(12))")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("bundles"), withIntermediateDirectories: true)
        for ca in cas { try ca.writeBundle(into: directory.appendingPathComponent("bundles")) }
        let server = try cas[0].writeServerCertificate(into: directory)
        let harness = try await GatewayHarness.start { options in
            options.workloads.trustBundleDirectory = directory.appendingPathComponent("bundles").path
            options.workloads.bundlePollSeconds = 0.2
            if mtls {
                options.workloads.mtlsHost = "127.0.0.1"
                options.workloads.mtlsPort = 0
                options.workloads.tlsCertificatePath = server.cert
                options.workloads.tlsKeyPath = server.key
            }
            configure(&options)
        }
        try await harness.addProvider(
            "sim", protocol: "simulated", extra: #""simulation":{"ttftMs":1,"tokensPerSecond":50000,"completionTokens":5,"errorRate":0}"#)
        try await harness.addDeployment(alias: "fast", provider: "sim", model: "sim-model")
        try await harness.addDeployment(alias: "slow", provider: "sim", model: "sim-model-2")
        return WorkloadGateway(harness: harness, bundleDirectory: directory.appendingPathComponent("bundles"))
    }

    /// Starts a gateway, runs `body` with it, and stops it whether `body` succeeds or throws.
    static func with(
        cas: [WorkloadTestCA], mtls: Bool, configure: (inout DaemonOptions) -> Void = { _ in },
        _ body: (WorkloadGateway) async throws -> Void
    ) async throws {
        let gateway = try await start(cas: cas, mtls: mtls, configure: configure)
        do {
            try await body(gateway)
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    /// Registers `spiffeId` and applies an AgentPolicy letting it use `fast` and `slow`
    /// (workloads are default-deny without a policy).
    func register(_ spiffeId: String, orgId: String = "acme", extra: String = "") async throws {
        try await harness.adminOK(
            .POST, "/admin/workloads",
            json: #"{"spiffeId":"\#(spiffeId)","owner":"alice","team":"finance","environment":"prod","deployment":"analyst-v1","orgId":"\#(orgId)"\#(extra)}"#)
        let name = "wl-" + spiffeId.split(separator: "/").suffix(2).joined(separator: "-")
        let policy = """
            apiVersion: access.envisionai.dev/v1
            kind: AgentPolicy
            metadata:
              name: \(name)
            spec:
              identity:
                workload: \(spiffeId)
              models:
                allow: [fast, slow]
            """
        let reply = try await harness.send(
            .PUT, "/admin/policies", body: Array(policy.utf8),
            headers: [("authorization", "Bearer \(GatewayHarness.adminToken)"), ("content-type", "application/yaml")])
        guard (200..<300).contains(reply.status) else { throw HarnessError("policy for \(spiffeId) refused: \(reply.text)") }
    }

    /// The mTLS listener's port, once it has bound.
    func mtlsPort() async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let port = harness.gateway.mutualTLSPort { return port }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("the mTLS listener did not start")
    }

    func stop() async {
        await harness.stop()
        try? FileManager.default.removeItem(at: bundleDirectory.deletingLastPathComponent())
    }
}
