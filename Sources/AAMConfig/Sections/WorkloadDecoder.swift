import AAMCore
import Yams

/// A `workloads:` item as decoded: the registration and its SPIFFE ID as written (for
/// duplicate checks with line numbers).
struct DeclaredWorkload {
    var spiffeId: ScalarValue
    var registration: WorkloadRegistration
}

/// Decodes one item of `workloads:`, the workload registry (same fields as
/// `POST /admin/workloads`). The SPIFFE ID is checked with the parser's own rule message.
enum WorkloadDecoder {
    static let fields = ["spiffeId", "owner", "team", "environment", "deployment", "orgId", "teamId", "projectId"]

    static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredWorkload? {
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return nil }
        let spiffeId = reader.string("spiffeId", required: true)
        let owner = reader.string("owner", required: true)
        let team = reader.string("team", required: true)
        let environment = reader.string("environment", required: true)
        let deployment = reader.string("deployment", required: true)
        let orgId = reader.slug("orgId", required: true)
        let teamId = reader.slug("teamId")
        let projectId = reader.slug("projectId")
        guard let spiffeId else { return nil }
        do {
            _ = try SPIFFEID(spiffeId.text)
        } catch {
            context.report(spiffeId.path, at: spiffeId.mark, "\(spiffeId.display) is not a SPIFFE ID: \(error.description)")
            return nil
        }
        guard let owner, let team, let environment, let deployment, let orgId else { return nil }
        return DeclaredWorkload(
            spiffeId: spiffeId,
            registration: WorkloadRegistration(
                spiffeId: spiffeId.text, owner: owner.text, team: team.text, environment: environment.text, deployment: deployment.text,
                orgId: orgId.text, teamId: teamId?.text, projectId: projectId?.text))
    }
}
