import AAMCore
import AAMIdentity
import Foundation
import Synchronization

/// What the data path needs to accept a workload where a virtual key is expected: the current
/// trust bundles, the JWT-SVID rules, and the registry lookup that turns a verified SPIFFE ID
/// into a `WorkloadIdentity` (401 `unknown_workload` when it is not registered).
public final class WorkloadTrust: Sendable {
    /// The bundles in force; replaced whole by `TrustBundleReloader`.
    public let bundles = TrustBundleStore()
    private let jwt = Mutex(JWTSVIDVerifier())

    public init() {}

    /// Sets the audience JWT-SVIDs must name (`--jwt-audience`).
    public func setAudience(_ audience: String) { jwt.withLock { $0.audience = audience } }

    /// Verifies a JWT-SVID and resolves its registration.
    func authenticate(jwt token: String, snapshot: ConfigSnapshot, now: Date) async throws(GatewayError) -> WorkloadIdentity {
        let verifier = jwt.withLock { $0 }
        let id: SPIFFEID
        do {
            id = try await verifier.verify(token, bundles: bundles.bundles, at: now)
        } catch {
            throw .invalidSVID(error)
        }
        return try resolve(id, method: .jwtSVID, snapshot: snapshot)
    }

    /// The mTLS client's SPIFFE ID if its X.509-SVID is still valid now, under the bundles now
    /// in force (checked on every request; a cached comparison unless a reload or notAfter
    /// intervened).
    func current(_ peer: MTLSPeer, now: Date) async throws(GatewayError) -> SPIFFEID {
        do {
            return try await peer.current(in: bundles, at: now)
        } catch {
            throw .invalidSVID(error)
        }
    }

    /// The registration of an already verified SPIFFE ID.
    func resolve(_ id: SPIFFEID, method: WorkloadIdentity.Method, snapshot: ConfigSnapshot) throws(GatewayError) -> WorkloadIdentity {
        guard let registration = snapshot.state.workloads[id.description] else { throw .unknownWorkload(id) }
        return WorkloadIdentity(spiffeID: id, method: method, registration: registration)
    }

    /// The key-shaped stand-in a workload's call is governed and recorded under: its
    /// registration's org/team/project chain, no limits of its own, id `workload:SPIFFE-ID`
    /// (so call records and usage name the workload). Never stored, never a credential.
    static func governingKey(for identity: WorkloadIdentity) -> VirtualKey {
        let registration = identity.registration
        return VirtualKey(
            id: "workload:" + registration.spiffeId, prefix: "", secretHash: "", orgId: registration.orgId, teamId: registration.teamId,
            projectId: registration.projectId, name: registration.spiffeId, createdAt: Date(timeIntervalSince1970: 0),
            metadata: ["owner": registration.owner, "environment": registration.environment, "deployment": registration.deployment])
    }
}

extension GatewayError {
    /// 401 for an SVID that failed verification; the reason names the rule, never the token.
    static func invalidSVID(_ error: SVIDError) -> GatewayError {
        GatewayError(status: 401, type: .authenticationError, code: .invalidSVID, message: "Workload identity refused: \(error.description).")
    }

    /// 401 for a verified SPIFFE ID that the workload registry does not know.
    static func unknownWorkload(_ id: SPIFFEID) -> GatewayError {
        GatewayError(
            status: 401, type: .authenticationError, code: .unknownWorkload,
            message: "Workload '\(id.description)' is not registered (POST /admin/workloads).")
    }
}
