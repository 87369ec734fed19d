/// What a key does; `ConsoleState.perform` carries it out.
public enum ConsoleAction: Sendable, Hashable {
    case show(ConsoleView)
    case nextView, previousView
    case moveUp, moveDown, pageUp, pageDown, top, bottom
    case quit, cycleTheme
    /// Esc outside overlays: clears an active filter.
    case cancel
    case startFilter
    case togglePause, openDetail
    case toggleProviderDrain, toggleDeploymentDrain
    case rotateKey, revokeKey
    case weightUp, weightDown, promptWeight, addDeployment, removeDeployment
    case fallbackEarlier, fallbackLater
    case cycleSort, reverseSort
    case openPalette
}

/// One row of the key-binding table: the keys, where they work (nil: everywhere), what they do
/// and how the help screen and the hint line describe them. The table is the single source of
/// truth for key handling, the Help view and the hint line.
public struct KeyBinding: Sendable, Equatable {
    public var keys: [ConsoleKey]
    public var views: [ConsoleView]?
    public var action: ConsoleAction
    public var help: String
    /// Short word for the bottom hint line; nil keeps the binding off that line.
    public var hint: String?
    /// How the hint line names the key(s); the first key's label unless set.
    public var hintKey: String

    public init(
        _ keys: [ConsoleKey], in views: [ConsoleView]? = nil, _ action: ConsoleAction, _ help: String, hint: String? = nil,
        hintKey: String? = nil
    ) {
        self.keys = keys
        self.views = views
        self.action = action
        self.help = help
        self.hint = hint
        self.hintKey = hintKey ?? keys.first?.label ?? ""
    }

    /// "j/↓" style label of the keys ("1-9" for the view digits).
    public var keyLabel: String {
        if keys.count > 2, keys.allSatisfy({ if case .character(let c) = $0 { c.isWholeNumber } else { false } }) {
            return keys[0].label + "-" + keys[keys.count - 1].label
        }
        return keys.map(\.label).joined(separator: "/")
    }
}

/// The console's key bindings and lookups over them.
public enum KeyBindings {
    private static func c(_ character: Character) -> ConsoleKey { .character(character) }

    /// Every binding, global ones first; the Help view lists them in this order.
    public static let table: [KeyBinding] = [
        // Everywhere.
        KeyBinding([c("1"), c("2"), c("3"), c("4"), c("5"), c("6"), c("7"), c("8"), c("9")], .show(.live), "switch to view N (numbered in the header)"),
        KeyBinding([.tab, .right], .nextView, "next view"),
        KeyBinding([.backTab, .left], .previousView, "previous view"),
        KeyBinding([c(":")], .openPalette, "command palette (:providers, :drain NAME, :filter TEXT, …; Tab completes)", hint: "cmd"),
        KeyBinding([c("?")], .show(.help), "help (this screen)", hint: "help"),
        KeyBinding([c("k"), .up], .moveUp, "move up"),
        KeyBinding([c("j"), .down], .moveDown, "move down"),
        KeyBinding([.pageUp], .pageUp, "page up"),
        KeyBinding([.pageDown], .pageDown, "page down"),
        KeyBinding([c("g"), .home], .top, "first row"),
        KeyBinding([c("G"), .end], .bottom, "last row"),
        KeyBinding([c("/")], in: [.live, .providers, .keys], .startFilter, "filter rows (alias, provider, key prefix, status, scope)", hint: "filter"),
        KeyBinding([.escape], .cancel, "close the overlay, or clear the filter"),
        KeyBinding([c("s")], .cycleSort, "sort by the next column (marked ▲/▼ in the header; a click on a header too)"),
        KeyBinding([c("S")], .reverseSort, "reverse the sort"),
        KeyBinding([c("t")], .cycleTheme, "next theme", hint: "theme"),
        KeyBinding([c("q")], .quit, "quit", hint: "quit"),
        // Live.
        KeyBinding([c("p"), c(" ")], in: [.live], .togglePause, "pause / resume the live table", hint: "pause"),
        KeyBinding([.enter], in: [.live], .openDetail, "details of the selected call", hint: "detail"),
        // Providers.
        KeyBinding([c("d")], in: [.providers], .toggleProviderDrain, "drain or undrain this deployment's provider (asks first)", hint: "drain"),
        KeyBinding([c("D")], in: [.providers], .toggleDeploymentDrain, "drain / undrain only the selected deployment (asks first)", hint: "drain dep"),
        // Keys.
        KeyBinding([c("r")], in: [.keys], .rotateKey, "rotate: asks a grace period, shows the new secret once", hint: "rotate"),
        KeyBinding([c("x")], in: [.keys], .revokeKey, "revoke the selected key (asks first)", hint: "revoke"),
        // Aliases.
        KeyBinding([c("+"), c("=")], in: [.aliases], .weightUp, "raise the selected deployment's weight by 1", hint: "weight", hintKey: "+/-"),
        KeyBinding([c("-")], in: [.aliases], .weightDown, "lower the selected deployment's weight by 1"),
        KeyBinding([c("w")], in: [.aliases], .promptWeight, "type a weight for the selected deployment"),
        KeyBinding([c("a")], in: [.aliases], .addDeployment, "add a deployment to an alias", hint: "add"),
        KeyBinding([.delete, c("X")], in: [.aliases], .removeDeployment, "remove the selected deployment (asks first)", hint: "remove"),
        KeyBinding([c("K"), c("<")], in: [.aliases], .fallbackEarlier, "move the selected fallback earlier", hint: "reorder", hintKey: "K/J"),
        KeyBinding([c("J"), c(">")], in: [.aliases], .fallbackLater, "move the selected fallback later"),
    ]

    /// The binding `key` triggers in `view`: view-specific ones win over global ones.
    public static func binding(for key: ConsoleKey, in view: ConsoleView) -> KeyBinding? {
        let candidates = table.filter { $0.keys.contains(key) }
        return candidates.first { $0.views?.contains(view) == true } ?? candidates.first { $0.views == nil }
    }

    /// The action for `key` in `view`, with digit keys resolved to their view.
    public static func action(for key: ConsoleKey, in view: ConsoleView) -> ConsoleAction? {
        if case .character(let character) = key, let digit = character.wholeNumberValue,
           let target = ConsoleView(rawValue: digit) {
            return .show(target)
        }
        return binding(for: key, in: view)?.action
    }

    /// Bindings shown on the hint line in `view`: that view's first, then the global ones.
    public static func hints(in view: ConsoleView) -> [KeyBinding] {
        let specific = table.filter { $0.hint != nil && $0.views?.contains(view) == true }
        let global = table.filter { $0.hint != nil && $0.views == nil }
        return specific + global
    }
}

/// The Help view's text, generated from the binding table.
public enum HelpContent {
    public struct Line: Sendable, Equatable {
        public var keys: String
        public var text: String
        /// A section title ("Everywhere", "Live", …) rather than a binding.
        public var isHeading: Bool
    }

    /// Section headings and one line per binding, then the dialog keys.
    public static let lines: [Line] = {
        var lines: [Line] = [Line(keys: "", text: "Everywhere", isHeading: true)]
        for binding in KeyBindings.table where binding.views == nil {
            lines.append(Line(keys: binding.keyLabel, text: binding.help, isHeading: false))
        }
        for view in ConsoleView.allCases {
            let bindings = KeyBindings.table.filter { $0.views?.contains(view) == true && $0.views?.count == 1 }
            guard !bindings.isEmpty else { continue }
            lines.append(Line(keys: "", text: "", isHeading: false))
            lines.append(Line(keys: "", text: view.title, isHeading: true))
            for binding in bindings { lines.append(Line(keys: binding.keyLabel, text: binding.help, isHeading: false)) }
        }
        let shared = KeyBindings.table.filter { ($0.views?.count ?? 0) > 1 }
        if !shared.isEmpty {
            lines.append(Line(keys: "", text: "", isHeading: false))
            lines.append(Line(keys: "", text: "Lists (Live, Providers, Keys)", isHeading: true))
            for binding in shared { lines.append(Line(keys: binding.keyLabel, text: binding.help, isHeading: false)) }
        }
        lines.append(Line(keys: "", text: "", isHeading: false))
        lines.append(Line(keys: "", text: "In a dialog", isHeading: true))
        lines.append(Line(keys: "y / n", text: "confirm / cancel a question", isHeading: false))
        lines.append(Line(keys: "Enter/Tab", text: "next field, submit on the last one", isHeading: false))
        lines.append(Line(keys: "Esc", text: "close without doing anything", isHeading: false))
        return lines
    }()
}
