import AAMCore
import Yams

/// Decodes the governance fields every scope (org, team, project, key) may carry: `budgets`
/// (each a `period` and a `usd` decimal string and/or a `tokens` count), `rpm`, `tpm` and a
/// `models` allow-list. Budget ids follow the admin API: the period, then `daily-2`, ….
enum GovernanceDecoder {
    static let fields = ["budgets", "rpm", "tpm", "models"]
    static let budgetFields = ["period", "usd", "tokens"]

    struct Limits {
        var budgets: [Budget]?
        var rpm: Int64?
        var tpm: Int64?
        var models: [String]?
    }

    /// - Parameter models: false when the caller reads `models` itself (keys).
    static func decode(_ reader: MappingReader, models: Bool = true) -> Limits {
        Limits(
            budgets: budgets(reader), rpm: reader.int("rpm", .atLeast(1)).map(Int64.init),
            tpm: reader.int("tpm", .atLeast(1)).map(Int64.init), models: models ? reader.strings("models").map { $0.map(\.text) } : nil)
    }

    /// `budgets:` of any entity that carries them (scopes, keys, providers, deployments).
    static func budgets(_ reader: MappingReader) -> [Budget]? {
        guard let items = reader.list("budgets") else { return nil }
        var budgets: [Budget] = []
        var seen: [BudgetPeriod: Int] = [:]
        for item in items {
            guard let budget = MappingReader(item.node, path: item.path, context: reader.context, fields: budgetFields) else { continue }
            let periodText = budget.string("period", required: true)
            var period: BudgetPeriod?
            if let periodText {
                period = BudgetPeriod(rawValue: periodText.text)
                if period == nil {
                    let names = BudgetPeriod.allCases.map(\.rawValue)
                    reader.context.report(
                        item.path.child("period"), at: periodText.mark,
                        "unknown period \(periodText.display) (expected one of \(names.joined(separator: ", ")))")
                }
            }
            var usd: Money?
            var usdInvalid = false
            if let text = budget.string("usd") {
                if let money = try? Money(parsing: text.text.trimmingSpaces), !money.isNegative {
                    usd = money
                } else {
                    usdInvalid = true
                    reader.context.report(
                        item.path.child("usd"), at: text.mark, "expected a decimal amount like \"12.50\", got \(text.display)")
                }
            }
            let tokens = budget.int("tokens", .atLeast(0))
            if usd == nil, tokens == nil, !usdInvalid, !budget.contains("tokens") {
                reader.context.report(item.path, at: item.node.mark, "a budget needs 'usd' or 'tokens'")
            }
            guard let period, usd != nil || tokens != nil else { continue }
            let count = seen[period, default: 0]
            seen[period] = count + 1
            let id = count == 0 ? period.rawValue : "\(period.rawValue)-\(count + 1)"
            budgets.append(Budget(id: id, period: period, usdLimit: usd, tokenLimit: tokens.map(Int64.init)))
        }
        return budgets
    }
}
