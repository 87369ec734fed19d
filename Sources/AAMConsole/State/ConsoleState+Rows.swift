import AAMControlProtocol

/// A scope in the Spend tree with its depth (org 0, team 1, …).
public struct SpendTreeItem: Sendable, Equatable {
    public var row: SpendRow
    public var depth: Int
}

/// A selectable line of the Aliases view.
public enum AliasItem: Sendable, Equatable {
    case deployment(alias: Int, member: Int)
    case fallback(alias: Int, index: Int)
}

/// The rows each view lists, derived from the state (filtered, ordered); shared by key
/// handling (what is selected) and the renderers (what is drawn).
extension ConsoleState {
    /// The current filter as a matcher.
    public var rowFilter: RowFilter { RowFilter(filter) }

    /// Live rows, newest first (or as sorted): the frozen ones while paused, filtered.
    public var liveRows: LiveRows {
        let filter = rowFilter
        if frozenCalls == nil, filter.isEmpty, sorts[.live] == nil { return LiveRows(newestFirstIn: calls) }
        let rows = frozenCalls ?? calls.newestFirst
        return LiveRows((filter.isEmpty ? rows : rows.filter(filter.matches)).sorted(by: sorts[.live], columns: SortColumns.live))
    }

    /// Providers rows passing the filter, as sorted.
    public var providerRows: [ProviderRow] {
        let filter = rowFilter
        return (filter.isEmpty ? providers : providers.filter(filter.matches)).sorted(by: sorts[.providers], columns: SortColumns.providers)
    }

    /// Keys rows passing the filter, as sorted.
    public var keyRows: [KeyRow] {
        let filter = rowFilter
        return (filter.isEmpty ? keys : keys.filter(filter.matches)).sorted(by: sorts[.keys], columns: SortColumns.keys)
    }

    /// Agents rows (workloads), as sorted.
    public var agentRows: [AgentRow] { agents.sorted(by: sorts[.agents], columns: SortColumns.agents) }

    /// Guardrail counters, as sorted.
    public var guardrailCounters: [GuardrailSummary.Counter] {
        (guardrails?.counters ?? []).sorted(by: sorts[.guardrails], columns: SortColumns.guardrails)
    }

    /// Replicas of the registry, as sorted.
    public var replicaRows: [ReplicaStatusRow] {
        (replicas?.replicas ?? []).sorted(by: sorts[.replicas], columns: SortColumns.replicas)
    }

    /// Spend scopes depth-first (children in the order the daemon sent them).
    public var spendTree: [SpendTreeItem] {
        let ids = Set(spend.map(\.id))
        var children: [String: [SpendRow]] = [:]
        var roots: [SpendRow] = []
        for row in spend.sorted(by: sorts[.spend], columns: SortColumns.spend) {
            if let parent = row.parent, ids.contains(parent), parent != row.id {
                children[parent, default: []].append(row)
            } else {
                roots.append(row)
            }
        }
        var items: [SpendTreeItem] = []
        var visited: Set<String> = []
        func visit(_ row: SpendRow, depth: Int) {
            guard visited.insert(row.id).inserted else { return }
            items.append(SpendTreeItem(row: row, depth: depth))
            for child in children[row.id] ?? [] { visit(child, depth: depth + 1) }
        }
        for root in roots { visit(root, depth: 0) }
        // Rows whose parent chain loops never hang off a root: list them rather than hide them.
        for row in spend where !visited.contains(row.id) { visit(row, depth: 0) }
        return items
    }

    /// The Aliases view's selectable lines: each alias's deployments, then its fallbacks.
    public var aliasItems: [AliasItem] {
        var items: [AliasItem] = []
        for (aliasIndex, alias) in aliases.enumerated() {
            for member in alias.deployments.indices { items.append(.deployment(alias: aliasIndex, member: member)) }
            for fallback in alias.fallbacks.indices { items.append(.fallback(alias: aliasIndex, index: fallback)) }
        }
        return items
    }

    /// How many selectable items `view` has now.
    public func itemCount(for view: ConsoleView) -> Int {
        switch view {
        case .live: liveRows.count
        case .spend: spendTree.count
        case .providers: providerRows.count
        case .guardrails: guardrailCounters.count
        case .keys: keyRows.count
        case .aliases: aliasItems.count
        case .agents: agents.count
        case .replicas: replicaRows.count
        case .help: max(1, HelpContent.lines.count - visibleItemRows(for: .help) + 1)  // scroll positions
        }
    }

    /// Rows of items visible at the current size (the body minus the column header).
    public func visibleItemRows(for view: ConsoleView) -> Int {
        let body = ConsoleLayout.bodyHeight(screenSize)
        switch view {
        case .guardrails: return ConsoleLayout.guardrailCounterRows(body: body)
        case .agents: return ConsoleLayout.agentRows(body: body)
        case .help: return body
        case .spend: return max(1, body - 2)  // the last row projects the selected scope's budgets
        case .providers: return max(1, body - 3)  // the last two rows explain the selected deployment
        case .replicas: return max(1, body - 3)  // a summary above the header, the selected replica below
        default: return max(1, body - 1)
        }
    }

    /// The selected item's index, clamped to what exists (nil when the view is empty).
    public func selectedIndex(in view: ConsoleView) -> Int? {
        let count = itemCount(for: view)
        guard count > 0 else { return nil }
        return position(for: view).clamped(count: count, visible: visibleItemRows(for: view)).selected
    }

    /// The selected row of each view, nil when the view is empty.
    public var selectedCall: CallRow? { selectedIndex(in: .live).map { liveRows[$0] } }
    public var selectedProvider: ProviderRow? { selectedIndex(in: .providers).map { providerRows[$0] } }
    public var selectedKey: KeyRow? { selectedIndex(in: .keys).map { keyRows[$0] } }
    public var selectedAliasItem: AliasItem? { selectedIndex(in: .aliases).map { aliasItems[$0] } }
}

/// Where things go on screen: the tabs, the trend strip, the body, a status line and a
/// key-hint line.
public enum ConsoleLayout {
    /// The first row of a view's body: below the tabs and the trend strip.
    public static let bodyTop = 2

    /// The row of the trend strip (requests/s, errors, p95, spend/h).
    public static let trendStripRow = 1

    /// Rows between the trend strip and the status line.
    public static func bodyHeight(_ size: ScreenSize) -> Int { max(0, size.height - 4) }

    /// The Guardrails view gives its top part to the counters (with their column header) and
    /// the rest to recent hits.
    public static func guardrailCounterRows(body: Int) -> Int { max(1, body / 2 - 1) }

    /// The Agents view likewise: workloads on top, recent decisions below.
    public static func agentRows(body: Int) -> Int { max(1, body / 2 - 1) }
}
