import Foundation
import Yams

/// Decodes the top level of the file: known sections only, each item by its section's decoder.
enum DocumentDecoder {
    static let sections = [
        "server", "providers", "deployments", "aliases", "orgs", "teams", "projects", "keys", "guardrails", "pricing", "workloads",
        "policies", "mcpServers",
    ]

    /// An empty document (or one holding only comments) is an empty config.
    static func decode(_ root: Node?, context: DecodingContext, now: Date) -> DeclaredConfig {
        var declared = DeclaredConfig()
        guard let root, !root.isNull else { return declared }
        guard case .mapping = root else {
            context.report(
                .root, at: root.mark,
                "expected a mapping of sections (\(sections.joined(separator: ", "))) at the top level, "
                    + "got \(root.kindDescription)")
            return declared
        }
        guard let reader = MappingReader(root, path: .root, context: context) else { return declared }
        for key in reader.keys where !sections.contains(key.name) {
            let hint = ClosestMatch.hint(
                for: key.name, among: sections, otherwise: " (known sections: \(sections.joined(separator: ", ")))")
            context.report(FieldPath.root.child(key.name), at: key.mark, "unknown section '\(key.name)'\(hint)")
        }
        if let node = reader.value("server") {
            declared.server = ServerDecoder.decode(node, path: FieldPath.root.child("server"), context: context)
        }
        declared.providers = items(reader, "providers", ProviderDecoder.decode)
        declared.deployments = items(reader, "deployments", DeploymentDecoder.decode)
        declared.aliases = items(reader, "aliases", AliasDecoder.decode)
        declared.orgs = items(reader, "orgs", ScopeDecoders.org)
        declared.teams = items(reader, "teams", ScopeDecoders.team)
        declared.projects = items(reader, "projects", ScopeDecoders.project)
        declared.keys = items(reader, "keys") { KeyDecoder.decode($0, path: $1, context: $2, now: now) }
        declared.guardrails = items(reader, "guardrails", GuardrailDecoder.decode)
        declared.workloads = items(reader, "workloads", WorkloadDecoder.decode)
        declared.policies = items(reader, "policies", PolicySectionDecoder.decode)
        declared.mcpServers = items(reader, "mcpServers", MCPServerDecoder.decode)
        if reader.contains("pricing") {
            declared.pricing = items(reader, "pricing", PricingDecoder.decode)
        }
        return declared
    }

    /// Decodes each item of a list section, dropping the ones without a readable identity.
    private static func items<Item>(
        _ reader: MappingReader, _ section: String,
        _ decode: (Node, FieldPath, DecodingContext) -> Item?
    ) -> [Item] {
        (reader.list(section) ?? []).compactMap { decode($0.node, $0.path, reader.context) }
    }
}
