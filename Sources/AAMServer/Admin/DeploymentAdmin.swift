import AAMCore
import Foundation

struct DeploymentInput: Decodable, Sendable {
    static let fields: Set<String> = [
        "id", "alias", "provider", "upstreamModel", "weight", "priority", "region", "rpm", "tpm", "contextWindow", "budgets",
    ]
    var id: String?
    var alias: String
    var provider: String
    var upstreamModel: String
    var weight: Int?
    var priority: Int?
    var region: String?
    var rpm: Int?
    var tpm: Int?
    var contextWindow: Int?
    var budgets: [BudgetInput]?
}

/// `PATCH /admin/deployments/ID` body: each field present replaces the stored one
/// (`"budgets": []` removes every budget).
struct DeploymentPatch: Decodable, Sendable {
    static let fields: Set<String> = ["upstreamModel", "weight", "priority", "region", "rpm", "tpm", "contextWindow", "drained", "budgets"]
    var upstreamModel: String?
    var weight: Int?
    var priority: Int?
    var region: String?
    var rpm: Int?
    var tpm: Int?
    var contextWindow: Int?
    var drained: Bool?
    var budgets: [BudgetInput]?

    init() {}
}

/// A deployment as the admin API shows it: its stored fields, with budgets in the input form
/// every scope uses (`period`, `usd`, `tokens`).
struct DeploymentView: Encodable, Sendable {
    let deployment: Deployment

    init(_ deployment: Deployment) { self.deployment = deployment }

    private enum CodingKeys: String, CodingKey { case budgets }

    func encode(to encoder: any Encoder) throws {
        var plain = deployment
        plain.budgets = nil
        try plain.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(deployment.budgets?.map(\.inputView), forKey: .budgets)
    }
}

struct AliasInput: Decodable, Sendable {
    static let fields: Set<String> = ["strategy", "fallbacks", "retries", "timeoutMs", "contextWindowFallback"]
    var strategy: String?
    var fallbacks: [String]?
    var retries: Int?
    var timeoutMs: Int?
    var contextWindowFallback: String?
}

/// `GET /admin/aliases` entry: settings plus the deployments serving the alias.
struct AliasView: Encodable, Sendable {
    var name: String
    var strategy: String
    var fallbacks: [String]
    var retries: Int
    var timeoutMs: Int?
    var contextWindowFallback: String?
    var deployments: [DeploymentView]
}

enum DeploymentRules {
    static func check(_ deployment: Deployment, state: ConfigState) throws(AdminError) {
        try AdminValidation.slug(deployment.id, field: "id")
        try AdminValidation.slug(deployment.alias, field: "alias")
        guard state.providers[deployment.provider] != nil else {
            throw AdminError("unknown provider '\(deployment.provider)'", field: "provider")
        }
        guard !deployment.upstreamModel.isEmpty else { throw AdminError("must not be empty", field: "upstreamModel") }
        try AdminValidation.nonNegative(deployment.weight, field: "weight")
        try AdminValidation.nonNegative(deployment.priority, field: "priority")
        try AdminValidation.nonNegative(deployment.rpm, field: "rpm")
        try AdminValidation.nonNegative(deployment.tpm, field: "tpm")
        try AdminValidation.nonNegative(deployment.contextWindow, field: "contextWindow")
    }

    /// Fallback chains must name existing aliases and never loop back.
    static func checkFallbacks(_ settings: AliasSettings, state: ConfigState) throws(AdminError) {
        let known = state.aliasNames.union([settings.name])
        for (index, fallback) in settings.fallbacks.enumerated() {
            guard fallback != settings.name else { throw AdminError("an alias cannot fall back to itself", field: "fallbacks[\(index)]") }
            guard known.contains(fallback) else { throw AdminError("unknown alias '\(fallback)'", field: "fallbacks[\(index)]") }
        }
        if let target = settings.contextWindowFallback, !known.contains(target) {
            throw AdminError("unknown alias '\(target)'", field: "contextWindowFallback")
        }
        var probe = state
        probe.aliases[settings.name] = settings
        var visiting: [String] = []
        func visit(_ alias: String) -> Bool {
            if visiting.contains(alias) { return false }
            visiting.append(alias)
            defer { visiting.removeLast() }
            for next in probe.aliases[alias]?.fallbacks ?? [] where !visit(next) { return false }
            return true
        }
        guard visit(settings.name) else { throw AdminError("fallbacks form a cycle through '\(settings.name)'", field: "fallbacks") }
    }
}

extension ConfigRegistry {
    func createDeployment(_ input: DeploymentInput, actor: String) async throws -> Deployment {
        try await mutate(actor: actor, action: "deployment.create", target: input.alias) { state throws(AdminError) in
            var id = input.id ?? "\(input.alias).\(input.provider)"
            if input.id == nil {
                var suffix = 2
                while state.deployments[id] != nil { id = "\(input.alias).\(input.provider)-\(suffix)"; suffix += 1 }
            } else if state.deployments[id] != nil {
                throw AdminError.conflict("deployment '\(id)' already exists")
            }
            let deployment = Deployment(
                id: id, alias: input.alias, provider: input.provider, upstreamModel: input.upstreamModel,
                weight: input.weight ?? 1, priority: input.priority ?? 0, region: input.region, rpm: input.rpm,
                tpm: input.tpm, contextWindow: input.contextWindow,
                budgets: try input.budgets.map { inputs throws(AdminError) in try GovernanceFields.budgets(inputs) })
            try DeploymentRules.check(deployment, state: state)
            state.deployments[id] = deployment
            return (deployment, [(.deployment, id)])
        }
    }

    func updateDeployment(_ id: String, patch: DeploymentPatch, actor: String) async throws -> Deployment {
        try await mutate(actor: actor, action: "deployment.update", target: id) { state throws(AdminError) in
            guard var deployment = state.deployments[id] else { throw AdminError.notFound("deployment '\(id)'") }
            if let value = patch.upstreamModel { deployment.upstreamModel = value }
            if let value = patch.weight { deployment.weight = value }
            if let value = patch.priority { deployment.priority = value }
            if let value = patch.region { deployment.region = value.isEmpty ? nil : value }
            if let value = patch.rpm { deployment.rpm = value }
            if let value = patch.tpm { deployment.tpm = value }
            if let value = patch.contextWindow { deployment.contextWindow = value }
            if let value = patch.drained { deployment.drained = value }
            if let value = patch.budgets { deployment.budgets = value.isEmpty ? nil : try GovernanceFields.budgets(value) }
            try DeploymentRules.check(deployment, state: state)
            state.deployments[id] = deployment
            return (deployment, [(.deployment, id)])
        }
    }

    func deleteDeployment(_ id: String, actor: String) async throws {
        try await mutate(actor: actor, action: "deployment.delete", target: id) { state throws(AdminError) in
            guard state.deployments.removeValue(forKey: id) != nil else { throw AdminError.notFound("deployment '\(id)'") }
            return ((), [(.deployment, id)])
        }
    }

    func putAlias(_ name: String, input: AliasInput, actor: String) async throws -> AliasSettings {
        try AdminValidation.slug(name, field: "alias")
        return try await mutate(actor: actor, action: "alias.put", target: name) { state throws(AdminError) in
            var settings = state.aliases[name] ?? AliasSettings(name: name)
            if let raw = input.strategy {
                guard let strategy = AliasSettings.Strategy(rawValue: raw) else {
                    throw AdminError(
                        "unknown strategy '\(raw)' (expected one of \(AliasSettings.Strategy.allCases.map(\.rawValue).joined(separator: ", ")))",
                        field: "strategy")
                }
                settings.strategy = strategy
            }
            if let fallbacks = input.fallbacks { settings.fallbacks = fallbacks }
            if let retries = input.retries {
                guard (0...10).contains(retries) else { throw AdminError("must be between 0 and 10", field: "retries") }
                settings.retries = retries
            }
            if let timeout = input.timeoutMs {
                guard timeout > 0 else { throw AdminError("must be > 0", field: "timeoutMs") }
                settings.timeoutMs = timeout
            }
            if let target = input.contextWindowFallback { settings.contextWindowFallback = target.isEmpty ? nil : target }
            try DeploymentRules.checkFallbacks(settings, state: state)
            state.aliases[name] = settings
            return (settings, [(.alias, name)])
        }
    }

    func deleteAlias(_ name: String, actor: String) async throws {
        try await mutate(actor: actor, action: "alias.delete", target: name) { state throws(AdminError) in
            guard state.aliasNames.contains(name) else { throw AdminError.notFound("alias '\(name)'") }
            let users = state.aliases.values.filter { $0.fallbacks.contains(name) || $0.contextWindowFallback == name }.map(\.name)
            guard users.isEmpty else {
                throw AdminError.conflict("alias '\(name)' is a fallback of \(users.sorted().joined(separator: ", "))")
            }
            var changed: [(EntityKind, String)] = [(.alias, name)]
            state.aliases[name] = nil
            for deployment in state.deployments.values where deployment.alias == name {
                state.deployments[deployment.id] = nil
                changed.append((.deployment, deployment.id))
            }
            return ((), changed)
        }
    }
}
