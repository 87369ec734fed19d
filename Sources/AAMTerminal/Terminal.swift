import AAMConsole
import CNcurses
import Foundation
import Synchronization

/// Why the terminal could not start.
public struct TerminalError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// The curses screen: the only object in the project that calls ncurses.
///
/// Not thread-safe (curses is not): create, use and stop it on one thread. `stop()` (also run by
/// `deinit` and, as a last resort, at process exit) restores the terminal, so an error or a
/// signal never leaves the operator's shell in cbreak mode with the cursor hidden.
public final class Terminal {
    private var styler: CellStyler
    private var pairs: ColorPairTable
    private var attributeCache: [CellStyle: (attrs: attr_t, pair: Int32)] = [:]
    private var onScreen: ScreenGrid?
    private var stopped = false
    private let window: UnsafeMutablePointer<WINDOW>
    /// What the terminal supports, before a monochrome theme is taken into account.
    public let depth: ColorDepth

    /// Whether mouse reports are on (`--no-mouse` keeps the terminal's own selection working).
    public private(set) var mouse = false

    /// Starts curses on the controlling terminal. Throws when stdin or stdout is not a tty.
    /// `mouse` asks for clicks and the wheel (the terminal may not report them).
    public init(theme: Theme, mouse: Bool = true) throws(TerminalError) {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError(description: "aam console needs a terminal (stdin and stdout must be a tty); use `aam status` or the admin API from scripts")
        }
        _ = aam_setlocale_all()
        guard let screen = initscr() else { throw TerminalError(description: "cannot initialise the terminal (is TERM set?)") }
        window = screen
        TerminalRestore.markActive()
        cbreak()
        noecho()
        nonl()
        keypad(window, true)
        _ = set_escdelay(25)
        _ = curs_set(0)
        var colors = false
        if has_colors() {
            colors = start_color() == OK
            if colors { _ = use_default_colors() }
        }
        depth = ColorDepth(colors: Int(aam_colors()), hasColors: colors, rgb: colors && aam_has_rgb() != 0)
        if mouse { self.mouse = aam_enable_mouse() != 0 }
        styler = CellStyler(theme: theme, depth: depth)
        pairs = ColorPairTable(capacity: Int(aam_color_pairs()))
        applyBackground()
    }

    deinit { stop() }

    /// Restores the terminal (idempotent).
    public func stop() {
        guard !stopped else { return }
        stopped = true
        _ = curs_set(1)
        endwin()
        TerminalRestore.markInactive()
    }

    /// The terminal size in cells.
    public var size: (width: Int, height: Int) {
        var rows: Int32 = 0, columns: Int32 = 0
        aam_getmaxyx(window, &rows, &columns)
        return (Int(columns), Int(rows))
    }

    /// The color depth actually used for drawing (monochrome for a monochrome theme).
    public var drawingDepth: ColorDepth { styler.depth }

    /// Waits up to `timeoutMilliseconds` for one input; nil on timeout or an unmapped key.
    public func read(timeoutMilliseconds: Int32) -> TerminalInput? {
        wtimeout(window, timeoutMilliseconds)
        var value: UInt32 = 0
        let kind = aam_read_key(window, &value)
        switch kind {
        case OK: return KeyCodeMap.input(isKeyCode: false, value: value)
        case KEY_CODE_YES:
            if Int32(bitPattern: value) == aam_key_mouse() {
                var row: Int32 = 0, column: Int32 = 0
                return MouseReport.input(kind: aam_read_mouse(&row, &column), row: Int(row), column: Int(column))
            }
            let input = KeyCodeMap.input(isKeyCode: true, value: value)
            if input == .resize { onScreen = nil }
            return input
        default: return nil
        }
    }

    /// Switches theme: styles and color pairs are rebuilt and the next frame is drawn in full.
    public func setTheme(_ theme: Theme) {
        styler = CellStyler(theme: theme, depth: depth)
        pairs.removeAll()
        attributeCache.removeAll()
        onScreen = nil
        applyBackground()
    }

    /// Draws a frame: only rows that differ from the frame on screen are sent to curses, and
    /// curses sends only the changed cells to the terminal.
    public func draw(_ grid: ScreenGrid) {
        let rows = FrameDiff.changedRows(previous: onScreen, next: grid)
        if onScreen == nil || onScreen?.width != grid.width || onScreen?.height != grid.height { werase(window) }
        var buffer: [wchar_t] = []
        for row in rows {
            for run in FrameDiff.runs(grid.rows[row]) {
                let style = styler.style(role: run.role, selected: run.selected, bold: run.bold)
                let (attrs, pair) = curses(style)
                buffer.removeAll(keepingCapacity: true)
                for scalar in run.text.unicodeScalars { buffer.append(wchar_t(bitPattern: scalar.value)) }
                // The bottom-right cell returns ERR (the cursor cannot advance past it) but is drawn.
                _ = aam_put_run(window, Int32(row), Int32(run.column), buffer, Int32(buffer.count), attrs, pair)
            }
        }
        onScreen = grid
        wnoutrefresh(window)
        doupdate()
    }

    /// Forgets what is on screen so the next `draw` repaints everything (after a resize).
    public func invalidate() {
        onScreen = nil
        clearok(window, true)
    }

    private func applyBackground() {
        let style = styler.style(role: .mainForeground, selected: false, bold: false)
        let (attrs, pair) = curses(style)
        aam_background(window, attrs, pair)
    }

    private func curses(_ style: CellStyle) -> (attr_t, Int32) {
        if let cached = attributeCache[style] { return cached }
        var attrs = aam_a_normal()
        if style.attributes.contains(.bold) { attrs |= aam_a_bold() }
        if style.attributes.contains(.dim) { attrs |= aam_a_dim() }
        if style.attributes.contains(.reverse) { attrs |= aam_a_reverse() }
        if style.attributes.contains(.underline) { attrs |= aam_a_underline() }
        var pairNumber: Int32 = 0
        if let foreground = style.foreground, let background = style.background {
            let (number, isNew) = pairs.pair(foreground: foreground, background: background)
            if isNew {
                // Direct colors are 24-bit values: only the extended call takes them.
                if depth == .direct {
                    _ = aam_init_extended_pair(Int32(number), Int32(foreground), Int32(background))
                } else {
                    _ = init_pair(Int16(number), Int16(foreground), Int16(background))
                }
            }
            pairNumber = Int32(number)
        }
        attributeCache[style] = (attrs, pairNumber)
        return (attrs, pairNumber)
    }
}

/// Last-resort restore: if the process exits (an error path that skipped `stop()`, `exit()`)
/// while curses is active, `endwin` runs from `atexit`.
enum TerminalRestore {
    static let active = Atomic<Bool>(false)
    static let installed = Atomic<Bool>(false)

    static func markActive() {
        active.store(true, ordering: .sequentiallyConsistent)
        if !installed.exchange(true, ordering: .sequentiallyConsistent) {
            atexit {
                if TerminalRestore.active.load(ordering: .sequentiallyConsistent) { endwin() }
            }
        }
    }

    static func markInactive() { active.store(false, ordering: .sequentiallyConsistent) }
}
