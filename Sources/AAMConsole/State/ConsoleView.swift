import AAMControlProtocol

/// The console's screens, in tab order; `number` is the key that opens each. Help stays last
/// (and on `?`): Agents took its digit 7, then Replicas took 8, and Help is 9.
public enum ConsoleView: Int, Sendable, Hashable, CaseIterable {
    case live = 1, spend, providers, guardrails, keys, aliases, agents, replicas, help

    public var title: String {
        switch self {
        case .live: "Live"
        case .spend: "Spend"
        case .providers: "Providers"
        case .guardrails: "Guardrails"
        case .keys: "Keys"
        case .aliases: "Aliases"
        case .agents: "Agents"
        case .replicas: "Replicas"
        case .help: "Help"
        }
    }

    /// The header's name for a tab other than the current one when the full titles do not fit
    /// (80 columns hold nine tabs only this way).
    public var shortTitle: String {
        switch self {
        case .providers: "Prov"
        case .guardrails: "Guard"
        case .aliases: "Alias"
        case .replicas: "Repl"
        default: title
        }
    }

    /// The digit key that switches to this view.
    public var number: Int { rawValue }

    /// The snapshot query that fills this view (nil: fed by live events or generated locally).
    public var query: ControlQuery? {
        switch self {
        case .live, .help: nil
        case .spend: .spend
        case .providers: .providers
        case .guardrails: .guardrails
        case .keys: .keys
        case .aliases: .aliases
        case .agents: .agents
        case .replicas: .replicas
        }
    }

    public var next: ConsoleView { ConsoleView(rawValue: rawValue % Self.allCases.count + 1) ?? .live }
    public var previous: ConsoleView {
        ConsoleView(rawValue: (rawValue + Self.allCases.count - 2) % Self.allCases.count + 1) ?? .live
    }
}
