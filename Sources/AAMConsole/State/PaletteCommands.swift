/// The `:` palette's commands. Every key action has one (`command(for:)`; a test holds every
/// binding of `KeyBindings.table` to it), so the palette is a second way to everything, plus
/// commands that name their target instead of selecting it first (`:drain NAME`, `:alias NAME`).
public enum PaletteCommands {
    public static let table: [PaletteCommand] = {
        var commands = ConsoleView.allCases.map { view in
            PaletteCommand(view.title.lowercased(), aliases: viewAliases[view] ?? [], .none, .show(view), "show the \(view.title) view")
        }
        commands += [
            PaletteCommand("alias", .optional("ALIAS"), nil, "show an alias's deployments and fallbacks"),
            PaletteCommand("drain", .optional("PROVIDER|DEPLOYMENT"), .toggleProviderDrain, "drain a provider or a deployment (asks first)"),
            PaletteCommand("undrain", .required("PROVIDER|DEPLOYMENT"), nil, "undrain a provider or a deployment (asks first)"),
            PaletteCommand("drain-deployment", .optional("DEPLOYMENT"), .toggleDeploymentDrain, "drain / undrain one deployment"),
            PaletteCommand("filter", .optional("TEXT"), .startFilter, "filter rows by TEXT (no text: type it)"),
            PaletteCommand("clear", .none, .cancel, "clear the filter"),
            PaletteCommand("sort", .optional("COLUMN"), .cycleSort, "sort by COLUMN (no column: the next one)"),
            PaletteCommand("reverse", .none, .reverseSort, "reverse the sort"),
            PaletteCommand("rotate", .optional("KEY"), .rotateKey, "rotate a key (by prefix or name)"),
            PaletteCommand("revoke", .optional("KEY"), .revokeKey, "revoke a key (by prefix or name; asks first)"),
            PaletteCommand("weight", .optional("N"), .promptWeight, "set the selected deployment's weight"),
            PaletteCommand("weight+", .none, .weightUp, "raise the selected deployment's weight by 1"),
            PaletteCommand("weight-", .none, .weightDown, "lower the selected deployment's weight by 1"),
            PaletteCommand("add", .none, .addDeployment, "add a deployment to an alias"),
            PaletteCommand("remove", .none, .removeDeployment, "remove the selected deployment (asks first)"),
            PaletteCommand("earlier", .none, .fallbackEarlier, "move the selected fallback earlier"),
            PaletteCommand("later", .none, .fallbackLater, "move the selected fallback later"),
            PaletteCommand("pause", .none, .togglePause, "pause / resume the live table"),
            PaletteCommand("detail", .none, .openDetail, "details of the selected call"),
            PaletteCommand("theme", .optional("NAME"), .cycleTheme, "use theme NAME (no name: the next one)"),
            PaletteCommand("next", .none, .nextView, "next view"),
            PaletteCommand("prev", aliases: ["previous"], .none, .previousView, "previous view"),
            PaletteCommand("up", .none, .moveUp, "move up"),
            PaletteCommand("down", .none, .moveDown, "move down"),
            PaletteCommand("pageup", .none, .pageUp, "page up"),
            PaletteCommand("pagedown", .none, .pageDown, "page down"),
            PaletteCommand("top", .none, .top, "first row"),
            PaletteCommand("bottom", .none, .bottom, "last row"),
            PaletteCommand("quit", aliases: ["q"], .none, .quit, "quit the console"),
        ]
        return commands
    }()

    static let viewAliases: [ConsoleView: [String]] = [
        .providers: ["prov", "deployments"], .guardrails: ["guard"], .replicas: ["cluster", "repl"], .spend: ["budgets"],
        .agents: ["workloads"],
    ]

    /// The command spelled `word` (its name or another word for it), else the only one it begins.
    public static func command(named word: String) -> PaletteCommand? {
        let word = word.lowercased()
        if let exact = table.first(where: { $0.name == word || $0.aliases.contains(word) }) { return exact }
        let started = table.filter { $0.name.hasPrefix(word) }
        return started.count == 1 ? started[0] : nil
    }

    /// The command that performs `action` (`:3`-style digits aside, every key action has one).
    public static func command(for action: ConsoleAction) -> PaletteCommand? {
        table.first { $0.action == action }
    }
}
