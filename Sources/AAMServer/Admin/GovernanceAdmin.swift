import AAMCore
import Foundation

/// One budget as the admin API takes and shows it: `{"period":"daily","usd":"12.50","tokens":100000}`.
struct BudgetInput: Codable, Sendable {
    var period: String
    var usd: String?
    var tokens: Int64?
}

/// `PATCH /admin/orgs|teams|projects/ID`: each field present replaces the stored one
/// (`"budgets": []` removes every budget).
struct ScopePatch: Decodable, Sendable {
    static let fields: Set<String> = ["name", "budgets", "rpm", "tpm", "models"]
    var name: String?
    var budgets: [BudgetInput]?
    var rpm: Int64?
    var tpm: Int64?
    var models: [String]?
}

/// The governance fields of a scope or key, validated.
struct GovernanceFields: Sendable {
    var budgets: [Budget]?
    var rpm: Int64?
    var tpm: Int64?
    var models: [String]?

    init(budgets: [BudgetInput]?, rpm: Int64?, tpm: Int64?, models: [String]?) throws(AdminError) {
        self.budgets = try budgets.map { inputs throws(AdminError) in try Self.budgets(inputs) }
        if let rpm, rpm <= 0 { throw AdminError("must be a positive integer (requests per minute)", field: "rpm") }
        if let tpm, tpm <= 0 { throw AdminError("must be a positive integer (tokens per minute)", field: "tpm") }
        self.rpm = rpm
        self.tpm = tpm
        if let models {
            for (index, model) in models.enumerated() where model.isEmpty {
                throw AdminError("must be a non-empty alias name", field: "models[\(index)]")
            }
        }
        self.models = models
    }

    /// Budget ids are `PERIOD` (or `PERIOD-N` for a second budget of the same period), so they
    /// are stable while the list keeps its periods.
    static func budgets(_ inputs: [BudgetInput]) throws(AdminError) -> [Budget] {
        var budgets: [Budget] = []
        var seen: [BudgetPeriod: Int] = [:]
        for (index, input) in inputs.enumerated() {
            let field = "budgets[\(index)]"
            guard let period = BudgetPeriod(rawValue: input.period) else {
                throw AdminError("must be one of daily, weekly, monthly, total", field: "\(field).period")
            }
            var usd: Money?
            if let text = input.usd {
                guard let money = try? Money(parsing: text), !money.isNegative else {
                    throw AdminError(#"must be a decimal amount like "12.50""#, field: "\(field).usd")
                }
                usd = money
            }
            if let tokens = input.tokens, tokens < 0 { throw AdminError("must be >= 0", field: "\(field).tokens") }
            guard usd != nil || input.tokens != nil else { throw AdminError("needs 'usd' or 'tokens'", field: field) }
            let count = seen[period, default: 0]
            seen[period] = count + 1
            let id = count == 0 ? period.rawValue : "\(period.rawValue)-\(count + 1)"
            budgets.append(Budget(id: id, period: period, usdLimit: usd, tokenLimit: input.tokens))
        }
        return budgets
    }
}

extension Budget {
    var inputView: BudgetInput { BudgetInput(period: period.rawValue, usd: usdLimit?.description, tokens: tokenLimit) }
}

/// A scope (org, team or project) as the admin API shows it.
struct ScopeView: Encodable, Sendable {
    var id: String
    var orgId: String?
    var teamId: String?
    var name: String?
    var budgets: [BudgetInput]?
    var rpm: Int64?
    var tpm: Int64?
    var models: [String]?

    init(_ org: Organization) {
        id = org.id
        name = org.name
        budgets = org.budgets?.map(\.inputView)
        rpm = org.rpm
        tpm = org.tpm
        models = org.models
    }

    init(_ team: Team) {
        id = team.id
        orgId = team.orgId
        name = team.name
        budgets = team.budgets?.map(\.inputView)
        rpm = team.rpm
        tpm = team.tpm
        models = team.models
    }

    init(_ project: Project) {
        id = project.id
        orgId = project.orgId
        teamId = project.teamId
        name = project.name
        budgets = project.budgets?.map(\.inputView)
        rpm = project.rpm
        tpm = project.tpm
        models = project.models
    }
}

extension ConfigRegistry {
    func patchScope(_ kind: EntityKind, id: String, patch: ScopePatch, actor: String) async throws -> ScopeView {
        let fields = try GovernanceFields(budgets: patch.budgets, rpm: patch.rpm, tpm: patch.tpm, models: patch.models)
        return try await mutate(actor: actor, action: "\(kind.rawValue).update", target: id) { state throws(AdminError) in
            switch kind {
            case .org:
                guard var org = state.orgs[id] else { throw AdminError.notFound("org '\(id)'") }
                if let name = patch.name { org.name = name }
                if let budgets = fields.budgets { org.budgets = budgets }
                if let rpm = fields.rpm { org.rpm = rpm }
                if let tpm = fields.tpm { org.tpm = tpm }
                if let models = fields.models { org.models = models }
                state.orgs[id] = org
                return (ScopeView(org), [(.org, id)])
            case .team:
                guard var team = state.teams[id] else { throw AdminError.notFound("team '\(id)'") }
                if let name = patch.name { team.name = name }
                if let budgets = fields.budgets { team.budgets = budgets }
                if let rpm = fields.rpm { team.rpm = rpm }
                if let tpm = fields.tpm { team.tpm = tpm }
                if let models = fields.models { team.models = models }
                state.teams[id] = team
                return (ScopeView(team), [(.team, id)])
            case .project:
                guard var project = state.projects[id] else { throw AdminError.notFound("project '\(id)'") }
                if let name = patch.name { project.name = name }
                if let budgets = fields.budgets { project.budgets = budgets }
                if let rpm = fields.rpm { project.rpm = rpm }
                if let tpm = fields.tpm { project.tpm = tpm }
                if let models = fields.models { project.models = models }
                state.projects[id] = project
                return (ScopeView(project), [(.project, id)])
            default:
                throw AdminError.notFound(kind.rawValue)
            }
        }
    }
}
