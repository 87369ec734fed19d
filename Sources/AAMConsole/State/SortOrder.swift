import AAMControlProtocol
import Foundation

/// How one view's rows are sorted: by which of its sortable columns, which way. A view without
/// an entry keeps the daemon's order (Live: newest first).
public struct SortOrder: Sendable, Equatable {
    /// Index into the view's sortable columns (the first columns of its table, in order).
    public var column: Int
    public var descending: Bool

    public init(column: Int, descending: Bool = false) {
        self.column = column
        self.descending = descending
    }
}

/// One column rows can be sorted by: its title (as the table header shows it) and its order.
public struct SortColumn<Row>: Sendable {
    public let title: String
    let less: @Sendable (Row, Row) -> Bool

    init(_ title: String, _ less: @escaping @Sendable (Row, Row) -> Bool) {
        self.title = title
        self.less = less
    }

    /// Ordered by a comparable field.
    static func by<Value: Comparable & Sendable>(_ title: String, _ value: @escaping @Sendable (Row) -> Value) -> SortColumn {
        SortColumn(title) { value($0) < value($1) }
    }
}

extension Array {
    /// Sorted by `order` over `columns`; ties keep their previous order (a stable sort, so a
    /// column with many equal values does not shuffle rows between frames).
    func sorted(by order: SortOrder?, columns: [SortColumn<Element>]) -> [Element] {
        guard let order, columns.indices.contains(order.column) else { return self }
        let less = columns[order.column].less
        return enumerated().sorted { a, b in
            let before = order.descending ? less(b.element, a.element) : less(a.element, b.element)
            let after = order.descending ? less(a.element, b.element) : less(b.element, a.element)
            return before || (!after && a.offset < b.offset)
        }.map(\.element)
    }
}

/// The sortable columns of each view, in the order of its table's columns (so the sort index is
/// also the column the header marks). Titles match the table headers.
public enum SortColumns {
    static let live: [SortColumn<CallRow>] = [
        .by("Time") { $0.time }, .by("Key / scope") { $0.identity ?? $0.keyPrefix ?? "" },
        .by("Alias → provider") { ($0.alias ?? "") + "\u{0}" + ($0.provider ?? "") }, .by("St") { $0.status },
        .by("Latency") { $0.latencyMs }, .by("Tokens") { $0.promptTokens + $0.completionTokens },
        .by("Cost") { Double($0.costUSD ?? "") ?? 0 }, .by("Guard") { $0.guardrails.count },
    ]

    static let providers: [SortColumn<ProviderRow>] = [
        .by("Deployment") { $0.deployment }, .by("Provider") { $0.provider }, .by("State") { ProviderHealthWord($0).rawValue },
        .by("Cooldown") { $0.cooldownRemainingSeconds }, .by("Err") { $0.requestsInWindow == 0 ? -1 : $0.errorRate },
        .by("p50") { $0.p50Ms ?? -1 }, .by("p95") { $0.p95Ms ?? -1 }, .by("InFl") { $0.inFlight },
        .by("Drain") { ($0.providerDrained ? 2 : 0) + ($0.deploymentDrained ? 1 : 0) },
    ]

    static let keys: [SortColumn<KeyRow>] = [
        .by("Prefix") { $0.prefix }, .by("Name") { $0.name ?? "" }, .by("Scope") { $0.scope }, .by("State") { $0.state },
        .by("Expires") { $0.expiresAt ?? .distantFuture }, .by("Last used") { $0.lastUsedAt ?? .distantPast },
    ]

    static let agents: [SortColumn<AgentRow>] = [
        .by("Workload") { $0.spiffeId }, .by("Team") { $0.team }, .by("Policy") { $0.policy ?? "" },
        .by("Models") { $0.allowedModels.joined(separator: ",") }, .by("Spent / day") { Double($0.spentTodayUSD ?? "") ?? 0 },
        .by("Allow") { $0.allowed }, .by("Deny") { $0.denied },
    ]

    static let guardrails: [SortColumn<GuardrailSummary.Counter>] = [
        .by("Detector") { $0.detector }, .by("Scope") { $0.scope }, .by("Action") { $0.action }, .by("Total") { $0.total },
    ]

    static let replicas: [SortColumn<ReplicaStatusRow>] = [
        .by("Replica") { $0.id }, .by("State") { $0.live ? 0 : 1 }, .by("Listen") { $0.listen }, .by("Version") { $0.version },
        .by("Up") { $0.startedAt.timeIntervalSince1970 * -1 }, .by("Beat") { $0.heartbeatAgeSeconds ?? -1 },
        .by("Config") { $0.configVersion }, .by("Lag") { $0.feedLagMs }, .by("Leases") { $0.leases },
    ]

    /// Spend sorts siblings within the tree (children stay under their parent).
    static let spend: [SortColumn<SpendRow>] = [
        .by("Scope") { $0.name ?? $0.id }, .by("Tokens") { $0.tokensToday }, .by("Today") { Double($0.spentTodayUSD) ?? 0 },
        .by("Burn/h") { Double($0.burnRateUSDPerHour) ?? 0 },
    ]

    /// Titles of `view`'s sortable columns (empty: the view does not sort).
    public static func titles(for view: ConsoleView) -> [String] {
        switch view {
        case .live: live.map(\.title)
        case .providers: providers.map(\.title)
        case .keys: keys.map(\.title)
        case .agents: agents.map(\.title)
        case .guardrails: guardrails.map(\.title)
        case .replicas: replicas.map(\.title)
        case .spend: spend.map(\.title)
        case .aliases, .help: []
        }
    }
}
