import AAMCore
import AAMIdentity
import HTTPTypes
import Hummingbird

/// The identity a data-plane handler acts for. The only way to get one is `authenticate`,
/// which throws for a missing, unknown, expired, revoked or rotated-out key, so no handler can
/// run without an identity.
///
/// A workload is accepted where a virtual key is expected: `Authorization: Bearer <JWT-SVID>`
/// on either listener, or the client certificate's X.509-SVID on the mTLS listener when no
/// bearer is sent. Its call is governed under its registration's org/team/project chain
/// (`key` is then `WorkloadTrust.governingKey`, id `workload:SPIFFE-ID`).
struct AuthenticatedCaller: Sendable {
    let key: VirtualKey
    let snapshot: ConfigSnapshot
    /// Set when the caller authenticated as a workload (X.509-SVID or JWT-SVID) rather than
    /// with a virtual key: the verified SPIFFE ID and its registration. Policy enforcement
    /// reads this.
    let workload: WorkloadIdentity?

    /// Reads `Authorization: Bearer` (or `x-api-key` where the Anthropic API allows it),
    /// hashes it with the pepper and looks it up in the in-memory snapshot: no database.
    init(request: Request, context: GatewayContext, runtime: GatewayRuntime, allowXAPIKey: Bool) async throws(GatewayError) {
        let snapshot = runtime.snapshots.snapshot
        var presented: Substring?
        if let header = request.headers[.authorization] {
            let value = header[...]
            if value.count > 7, value.prefix(7).lowercased() == "bearer " {
                presented = value.dropFirst(7).drop(while: { $0 == " " })
            }
        }
        if presented == nil, allowXAPIKey, let header = request.headers[Self.xAPIKey] {
            presented = header[...]
        }
        let now = runtime.clock.now()
        if presented == nil || presented?.isEmpty == true, let peer = context.mtlsPeer {
            // Re-checked per request: the handshake's verdict must not outlive a bundle
            // revocation or the certificate's notAfter on a keep-alive connection.
            let id = try await runtime.workloadTrust.current(peer, now: now)
            let workload = try runtime.workloadTrust.resolve(id, method: .x509SVID, snapshot: snapshot)
            self.init(workload: workload, snapshot: snapshot)
            return
        }
        guard let token = presented, !token.isEmpty else { throw .missingKey }
        if !token.hasPrefix(VirtualKeyFormat.marker), JWTSVIDVerifier.looksLikeJWT(token) {
            let workload = try await runtime.workloadTrust.authenticate(jwt: String(token), snapshot: snapshot, now: now)
            self.init(workload: workload, snapshot: snapshot)
            return
        }
        let secret = String(token)
        guard VirtualKeyFormat.looksValid(secret), let entry = snapshot.keysByHash[runtime.keys.hash(secret)] else {
            throw .invalidKey(.unknown)
        }
        if let refusal = entry.key.refusal(at: now, viaGraceSecret: entry.viaGrace) {
            throw .invalidKey(refusal)
        }
        runtime.keyUsage.touch(entry.key.id, at: now)
        self.init(key: entry.key, snapshot: snapshot, workload: nil)
    }

    private init(workload: WorkloadIdentity, snapshot: ConfigSnapshot) {
        self.init(key: WorkloadTrust.governingKey(for: workload), snapshot: snapshot, workload: workload)
    }

    private init(key: VirtualKey, snapshot: ConfigSnapshot, workload: WorkloadIdentity?) {
        self.key = key
        self.snapshot = snapshot
        self.workload = workload
    }

    static let xAPIKey = HTTPField.Name("x-api-key")!
}
