import Foundation

/// What the environment says about colors, by the common conventions:
/// - `NO_COLOR` (no-color.org): set and not empty, the console starts on the monochrome theme
///   unless the operator named a theme;
/// - `COLORTERM=truecolor` (or `24bit`): the terminal takes 24-bit colors. Curses draws them
///   only through a terminal description with the `RGB` capability (the `*-direct` entries):
///   when `TERM`'s own description lacks it and a `-direct` sibling is installed, the console
///   uses that one; otherwise it stays on the 256-color palette (themes degrade to it).
public enum TerminalConventions {
    /// The theme to start with: the one asked for, else `mono` under `NO_COLOR`, else `dark`.
    public static func initialTheme(requested: String?, environment: [String: String]) -> String {
        if let requested { return requested }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return "mono" }
        return "dark"
    }

    public static func wantsTrueColor(_ environment: [String: String]) -> Bool {
        ["truecolor", "24bit"].contains(environment["COLORTERM"]?.lowercased() ?? "")
    }

    /// The `TERM` to use for 24-bit color, or nil to keep the current one: the `-direct`
    /// sibling of `term` (`xterm-256color` -> `xterm-direct`, `tmux-256color` -> `tmux-direct`)
    /// when it exists.
    public static func directTerminal(term: String?, environment: [String: String], exists: (String) -> Bool) -> String? {
        guard wantsTrueColor(environment), let term, !term.isEmpty, !term.hasSuffix("-direct") else { return nil }
        var base = term
        for suffix in ["-256color", "-88color", "-16color", "-color"] where base.hasSuffix(suffix) {
            base.removeLast(suffix.count)
            break
        }
        let candidate = base + "-direct"
        return exists(candidate) ? candidate : nil
    }

    /// Whether a compiled terminal description `name` is installed where ncurses looks.
    public static func terminfoExists(_ name: String, environment: [String: String]) -> Bool {
        guard let first = name.first else { return false }
        var directories = ["/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo", "/usr/lib/terminfo"]
        if let own = environment["TERMINFO"] { directories.insert(own, at: 0) }
        if let home = environment["HOME"] { directories.insert(home + "/.terminfo", at: 0) }
        let hex = String(format: "%02x", first.asciiValue ?? 0)
        return directories.contains { directory in
            FileManager.default.fileExists(atPath: "\(directory)/\(first)/\(name)")
                || FileManager.default.fileExists(atPath: "\(directory)/\(hex)/\(name)")
        }
    }
}
