import AAMConsole
import CNcurses

/// One thing the operator did at the keyboard (or the terminal did to us), as the console
/// understands it. Curses key codes never leave `AAMTerminal`.
public enum TerminalInput: Sendable, Hashable {
    case character(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    /// The window changed size: redraw everything at the new size.
    case resize
    /// A mouse press or wheel notch (only when the mouse is on).
    case mouse(MouseEvent)
}

/// Pure translation of a curses mouse report (`aam_read_mouse`'s kind and position).
public enum MouseReport {
    public static func input(kind: Int32, row: Int, column: Int) -> TerminalInput? {
        switch kind {
        case 1: .mouse(MouseEvent(.press, row: row, column: column))
        case 4: .mouse(MouseEvent(.wheelUp, row: row, column: column))
        case 5: .mouse(MouseEvent(.wheelDown, row: row, column: column))
        default: nil
        }
    }
}

/// Pure translation of what `wget_wch` returned into a `TerminalInput`, testable without a
/// terminal. `isKeyCode` is true when curses said `KEY_CODE_YES`.
public enum KeyCodeMap {
    public static func input(isKeyCode: Bool, value: UInt32) -> TerminalInput? {
        isKeyCode ? keyCode(Int32(bitPattern: value)) : character(value)
    }

    static func keyCode(_ code: Int32) -> TerminalInput? {
        switch code {
        case KEY_UP: .up
        case KEY_DOWN: .down
        case KEY_LEFT: .left
        case KEY_RIGHT: .right
        case KEY_PPAGE: .pageUp
        case KEY_NPAGE: .pageDown
        case KEY_HOME: .home
        case KEY_END: .end
        case KEY_ENTER: .enter
        case KEY_BACKSPACE: .backspace
        case KEY_DC: .delete
        case KEY_BTAB: .backTab
        case KEY_RESIZE: .resize
        default: nil
        }
    }

    static func character(_ value: UInt32) -> TerminalInput? {
        switch value {
        case 0x0A, 0x0D: return .enter
        case 0x1B: return .escape
        case 0x09: return .tab
        case 0x08, 0x7F: return .backspace
        default:
            // Other control characters (Ctrl-A …) mean nothing to the console.
            guard value >= 0x20, let scalar = Unicode.Scalar(value) else { return nil }
            return .character(Character(scalar))
        }
    }
}
