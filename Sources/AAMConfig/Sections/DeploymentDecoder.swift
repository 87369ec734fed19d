import AAMCore
import Yams

/// Decodes one item of `deployments:`. The id defaults to `ALIAS.PROVIDER`.
enum DeploymentDecoder {
    static let fields = [
        "id", "alias", "provider", "upstreamModel", "weight", "priority", "region", "rpm", "tpm", "contextWindow", "budgets",
    ]

    static func decode(_ node: Node, path: FieldPath, context: DecodingContext) -> DeclaredDeployment? {
        guard let reader = MappingReader(node, path: path, context: context, fields: fields) else { return nil }
        let explicitID = reader.slug("id")
        let alias = reader.slug("alias", required: true)
        let provider = reader.slug("provider", required: true)
        let upstreamModel = reader.string("upstreamModel", required: true)
        let weight = reader.int("weight", .atLeast(0))
        let priority = reader.int("priority", .atLeast(0))
        let region = reader.string("region")?.text
        let rpm = reader.int("rpm", .atLeast(0))
        let tpm = reader.int("tpm", .atLeast(0))
        let contextWindow = reader.int("contextWindow", .atLeast(1))
        let budgets = GovernanceDecoder.budgets(reader)
        guard let alias, let id = explicitID ?? defaultID(alias: alias, provider: provider, reader: reader) else {
            return nil
        }
        let deployment = Deployment(
            id: id.text, alias: alias.text, provider: provider?.text ?? "", upstreamModel: upstreamModel?.text ?? "",
            weight: weight ?? 1, priority: priority ?? 0, region: region, rpm: rpm, tpm: tpm,
            contextWindow: contextWindow, budgets: budgets
        )
        return DeclaredDeployment(id: id, deployment: deployment, alias: alias, provider: provider)
    }

    /// `ALIAS.PROVIDER`, placed where the deployment starts (the file has no `id` to point at).
    private static func defaultID(alias: ScalarValue, provider: ScalarValue?, reader: MappingReader) -> ScalarValue? {
        guard let provider, !reader.contains("id") else { return nil }
        let text = alias.text + "." + provider.text
        let id = ScalarValue(
            text: text, source: text, usedEnvironment: alias.usedEnvironment || provider.usedEnvironment,
            isQuoted: false, mark: reader.mark, path: reader.path.child("id"))
        guard Slug.isValid(text) else {
            reader.context.report(id.path, at: id.mark, "default id is longer than 64 characters; set 'id'")
            return nil
        }
        return id
    }
}
