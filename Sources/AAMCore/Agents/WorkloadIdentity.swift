import Foundation

/// A caller authenticated as a workload rather than with a virtual key.
public struct WorkloadIdentity: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable, Codable {
        /// X.509-SVID presented as the client certificate on the mTLS listener.
        case x509SVID = "x509-svid"
        /// JWT-SVID presented as `Authorization: Bearer <jwt>`.
        case jwtSVID = "jwt-svid"
    }

    public var spiffeID: SPIFFEID
    public var method: Method
    /// What the registry says about this workload (who owns it, which scope it spends against).
    public var registration: WorkloadRegistration

    public init(spiffeID: SPIFFEID, method: Method, registration: WorkloadRegistration) {
        self.spiffeID = spiffeID
        self.method = method
        self.registration = registration
    }
}

/// One entry of the workload registry (`POST /admin/workloads`, config `workloads:`): a SPIFFE ID
/// and the owner, team, environment and deployment it belongs to, plus the org/team/project scope
/// its spend is charged to. Unregistered identities are refused (401) even with a valid SVID.
public struct WorkloadRegistration: Sendable, Hashable, Codable {
    public var spiffeId: String
    public var owner: String
    public var team: String
    public var environment: String
    public var deployment: String
    public var orgId: String
    public var teamId: String?
    public var projectId: String?

    public init(
        spiffeId: String, owner: String, team: String, environment: String, deployment: String, orgId: String,
        teamId: String? = nil, projectId: String? = nil
    ) {
        self.spiffeId = spiffeId
        self.owner = owner
        self.team = team
        self.environment = environment
        self.deployment = deployment
        self.orgId = orgId
        self.teamId = teamId
        self.projectId = projectId
    }
}
