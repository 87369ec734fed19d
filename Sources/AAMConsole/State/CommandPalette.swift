/// The `:` command line (a k9s habit): what has been typed, and what Tab would complete it to.
public struct CommandPalette: Sendable, Equatable {
    public var text = ""
    /// Matches for the word being typed, shown on the hint line (empty: none, or not asked).
    public var candidates: [String] = []

    public init(text: String = "") { self.text = text }

    static let maxLength = 200

    /// The command word and its argument ("drain", "sim-openai-east"); the argument keeps inner spaces.
    public var parts: (command: String, argument: String) {
        let trimmed = text.trimmingWhitespace()
        guard let space = trimmed.firstIndex(of: " ") else { return (trimmed.lowercased(), "") }
        return (String(trimmed[..<space]).lowercased(), String(trimmed[space...]).trimmingWhitespace())
    }

    /// The longest prefix every candidate shares (case-sensitive, as names are).
    static func commonPrefix(_ candidates: [String]) -> String {
        guard var prefix = candidates.first else { return "" }
        for candidate in candidates.dropFirst() {
            while !candidate.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}

/// One palette command: its word, other words for it, whether it takes an argument, and help.
public struct PaletteCommand: Sendable, Equatable {
    public enum Argument: Sendable, Equatable {
        case none
        /// Optional: without it the command acts on the selected row.
        case optional(String)
        /// Required.
        case required(String)
    }

    public var name: String
    public var aliases: [String]
    public var argument: Argument
    public var help: String
    /// The key action it performs (nil: a palette-only command such as `:alias NAME`).
    public var action: ConsoleAction?

    public init(_ name: String, aliases: [String] = [], _ argument: Argument = .none, _ action: ConsoleAction?, _ help: String) {
        self.name = name
        self.aliases = aliases
        self.argument = argument
        self.action = action
        self.help = help
    }
}
