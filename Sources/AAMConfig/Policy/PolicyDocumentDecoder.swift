import AAMCore
import Yams

/// Decodes the AgentPolicy document: `apiVersion`, `kind`, `metadata` and `spec` (its
/// `tools` entries are `ToolGrantDecoder`'s).
enum PolicyDocumentDecoder {
    static let fields = ["apiVersion", "kind", "metadata", "spec"]
    static let metadataFields = ["name", "description"]
    static let specFields = ["identity", "models", "mode", "budget", "tools", "credentials", "audit"]

    /// The policy, or nil when a part it cannot do without is missing (problems reported).
    static func decode(_ root: Node?, context: DecodingContext) -> AgentPolicy? {
        guard let root, !root.isNull else {
            context.report(.root, at: nil, "the document is empty (expected an AgentPolicy)")
            return nil
        }
        guard let reader = MappingReader(root, path: .root, context: context, fields: fields) else { return nil }
        if let apiVersion = reader.string("apiVersion", required: true), apiVersion.text != AgentPolicy.apiVersion {
            context.report(
                apiVersion.path, at: apiVersion.mark,
                "unsupported apiVersion \(apiVersion.display) (expected \(AgentPolicy.apiVersion))")
        }
        if let kind = reader.string("kind", required: true), kind.text != AgentPolicy.kind {
            context.report(kind.path, at: kind.mark, "unsupported kind \(kind.display) (expected \(AgentPolicy.kind))")
        }
        let name = metadataName(reader)
        guard let specNode = reader.value("spec") else {
            reader.reportMissing("spec")
            return nil
        }
        // The spec is read even without a name, so every problem is reported in one pass.
        guard let policy = spec(specNode, name: name ?? "", path: FieldPath.root.child("spec"), context: context), name != nil
        else { return nil }
        return policy
    }

    private static func metadataName(_ reader: MappingReader) -> String? {
        guard let node = reader.value("metadata") else {
            reader.reportMissing("metadata")
            return nil
        }
        let path = FieldPath.root.child("metadata")
        guard let metadata = MappingReader(node, path: path, context: reader.context, fields: metadataFields) else { return nil }
        _ = metadata.string("description")
        return metadata.slug("name", required: true)?.text
    }

    private static func spec(_ node: Node, name: String, path: FieldPath, context: DecodingContext) -> AgentPolicy? {
        guard let spec = MappingReader(node, path: path, context: context, fields: specFields) else { return nil }
        let subject = identity(spec)
        let mode = mode(spec)
        let models = models(spec)
        let budget = dailyBudget(spec)
        let tools = ToolGrantDecoder.decodeAll(spec)
        let credentials = credentials(spec)
        let audit = auditFields(spec)
        guard let subject else { return nil }
        return AgentPolicy(
            name: name, subject: subject, mode: mode ?? .enforce, models: models, dailyBudget: budget, tools: tools,
            credentials: credentials, auditFields: audit ?? AuditField.defaults)
    }

    private static func identity(_ spec: MappingReader) -> WorkloadSubject? {
        guard let node = spec.value("identity") else {
            spec.reportMissing("identity")
            return nil
        }
        guard let identity = MappingReader(node, path: spec.path.child("identity"), context: spec.context, fields: ["workload"]),
            let workload = identity.string("workload", required: true)
        else { return nil }
        do {
            return try WorkloadSubject(workload.text)
        } catch {
            spec.context.report(workload.path, at: workload.mark, "invalid SPIFFE ID \(workload.display): \(error)")
            return nil
        }
    }

    private static func mode(_ spec: MappingReader) -> PolicyMode? {
        guard let text = spec.string("mode") else { return nil }
        guard let mode = PolicyMode(rawValue: text.text) else {
            spec.context.report(text.path, at: text.mark, "unknown mode \(text.display) (expected enforce or shadow)")
            return nil
        }
        return mode
    }

    private static func models(_ spec: MappingReader) -> ModelGrant? {
        guard let node = spec.value("models"),
            let models = MappingReader(node, path: spec.path.child("models"), context: spec.context, fields: ["allow"])
        else { return nil }
        guard models.value("allow") != nil else {
            models.reportMissing("allow")
            return nil
        }
        return ModelGrant(allow: (models.strings("allow") ?? []).map(\.text))
    }

    private static func dailyBudget(_ spec: MappingReader) -> Money? {
        guard let node = spec.value("budget"),
            let budget = MappingReader(node, path: spec.path.child("budget"), context: spec.context, fields: ["daily_usd"])
        else { return nil }
        guard let text = budget.string("daily_usd", required: true) else { return nil }
        guard let amount = try? Money(parsing: text.text.trimmingSpaces) else {
            spec.context.report(text.path, at: text.mark, "expected a decimal amount like 75 or 12.50, got \(text.display)")
            return nil
        }
        guard !amount.isNegative else {
            spec.context.report(text.path, at: text.mark, "must be >= 0 (got \(text.text))")
            return nil
        }
        return amount
    }

    private static func credentials(_ spec: MappingReader) -> CredentialHandling {
        let fields = ["injection", "expose_to_agent"]
        guard let node = spec.value("credentials"),
            let credentials = MappingReader(node, path: spec.path.child("credentials"), context: spec.context, fields: fields)
        else { return CredentialHandling() }
        if let injection = credentials.string("injection"), CredentialInjection(rawValue: injection.text) == nil {
            spec.context.report(
                injection.path, at: injection.mark,
                "unsupported injection \(injection.display) (expected runtime: the broker attaches the credential to each allowed call)")
        }
        if PolicyScalars.bool(credentials, "expose_to_agent") == true {
            let path = credentials.path.child("expose_to_agent")
            spec.context.report(
                path, at: credentials.value("expose_to_agent")?.mark,
                "must be false: credentials are injected at runtime and never exposed to the agent")
        }
        return CredentialHandling()
    }

    private static func auditFields(_ spec: MappingReader) -> [AuditField]? {
        guard let node = spec.value("audit"),
            let audit = MappingReader(node, path: spec.path.child("audit"), context: spec.context, fields: ["record"])
        else { return nil }
        guard audit.value("record") != nil else {
            audit.reportMissing("record")
            return nil
        }
        let known = AuditField.allCases.map(\.rawValue)
        var fields: [AuditField] = []
        for item in audit.strings("record") ?? [] {
            guard let field = AuditField(rawValue: item.text) else {
                let hint = ClosestMatch.hint(for: item.text, among: known, otherwise: " (known fields: \(known.joined(separator: ", ")))")
                spec.context.report(item.path, at: item.mark, "unknown audit field \(item.display)\(hint)")
                continue
            }
            if !fields.contains(field) { fields.append(field) }
        }
        return fields
    }
}

/// Typed scalars the policy needs beyond `MappingReader`'s.
enum PolicyScalars {
    /// A boolean field (`true`/`false`, unquoted); nil when absent or wrong (reported).
    static func bool(_ reader: MappingReader, _ key: String) -> Bool? {
        guard let node = reader.value(key) else { return nil }
        let path = reader.path.child(key)
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else {
            let got = node.kindDescription == "a string" ? "the string '\(node.scalar?.string ?? "")'" : node.kindDescription
            reader.context.report(path, at: node.mark, "expected true or false, got \(got)")
            return nil
        }
        switch scalar.string {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            reader.context.report(path, at: node.mark, "expected true or false, got '\(scalar.string)'")
            return nil
        }
    }
}
