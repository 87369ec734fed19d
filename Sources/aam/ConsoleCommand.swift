import AAMConsole
import AAMTerminal
import ArgumentParser
import Foundation

/// `aam console`: the operator's live view of `aamd` over its control socket.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console", abstract: "Open the operator console (live calls, spend, providers, guardrails, keys, aliases).")

    @Option(help: "The daemon's control socket (aamd --control-socket); by default AAM_CONTROL_SOCKET, else ./aam-data/control.sock or /run/aam/control.sock, whichever exists.")
    var socket: String?
    @Option(help: "Console theme (a name from the themes folder; `t` cycles them). Default dark; mono when NO_COLOR is set.")
    var theme: String?
    @Flag(name: .customLong("no-mouse"), help: "Leave the mouse to the terminal (its own selection); no clicks or wheel in the console.")
    var noMouse = false
    @Option(name: .customLong("themes-dir"), help: "Folder of *.theme files (default: AAM_THEMES_DIR, ./themes, the checkout's themes).")
    var themesDir: String?

    func run() async throws {
        do {
            // None found: the development path, so the error names where it looked first.
            let path = ControlSocketLocator.locate(explicit: socket) ?? ControlSocketLocator.development
            try await Self.open(socket: path, theme: theme, themesDir: themesDir, mouse: !noMouse)
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("aam console: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Opens the console on `socket` until the operator quits (also used by `aam demo`).
    /// `theme` nil: `dark`, or `mono` under `NO_COLOR` (`TerminalConventions`).
    static func open(socket: String, theme: String?, themesDir: String?, mouse: Bool) async throws {
        let environment = ProcessInfo.processInfo.environment
        let themes = ConsoleThemes(themesDir: themesDir)
        let initial = try themes.load(TerminalConventions.initialTheme(requested: theme, environment: environment))
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw CLIError("needs a terminal (stdin and stdout must be a tty); scripts can use `aam status` or the admin API")
        }
        // COLORTERM=truecolor: curses draws 24-bit colors only through a `-direct` description.
        if let direct = TerminalConventions.directTerminal(
            term: environment["TERM"], environment: environment, exists: { TerminalConventions.terminfoExists($0, environment: environment) })
        {
            setenv("TERM", direct, 1)
        }
        let inbox = ConsoleInbox()
        let link = ConsoleLink(path: socket, inbox: inbox)
        let network = Task { await link.run() }
        defer {
            network.cancel()
            link.close()
        }
        do {
            try await ConsoleScreenLoop(themes: themes, initialTheme: initial, link: link, inbox: inbox, mouse: mouse).runOnOwnThread()
        } catch let error as TerminalError {
            throw CLIError(error.description)
        }
    }
}
