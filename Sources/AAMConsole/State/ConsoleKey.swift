/// A key press as the console understands it. The terminal layer maps curses codes to these,
/// so key handling is tested without a terminal.
public enum ConsoleKey: Sendable, Hashable {
    /// A printable character (letters, digits, punctuation, space).
    case character(Character)
    case up, down, left, right, home, end
    case enter, escape, tab, backTab
    case pageUp, pageDown
    case backspace, delete
    /// The terminal changed size; call `ConsoleState.resize(to:)` with the new size first.
    case resize

    /// How the help screen and key hints name this key.
    public var label: String {
        switch self {
        case .character(" "): "space"
        case .character(let character): String(character)
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .home: "Home"
        case .end: "End"
        case .enter: "Enter"
        case .escape: "Esc"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .backspace: "Bksp"
        case .delete: "Del"
        case .resize: "resize"
        }
    }
}
