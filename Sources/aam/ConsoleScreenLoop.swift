import AAMConsole
import AAMControlProtocol
import AAMTerminal
import Foundation

/// The console's UI thread: owns the terminal and the `ConsoleState`, folds in what the
/// network side posted, handles keys, executes effects and draws at most ~10 frames a second.
///
/// Curses is not thread-safe, so everything that touches the terminal happens here, on one
/// thread; the network side only posts into the inbox.
struct ConsoleScreenLoop {
    let themes: ConsoleThemes
    let initialTheme: (theme: Theme, warnings: [String])
    let link: ConsoleLink
    let inbox: ConsoleInbox
    /// Clicks and the wheel (off with `--no-mouse`).
    let mouse: Bool
    /// Coalesced redraws: a frame at most this often, however many events arrive.
    static let frameInterval: Duration = .milliseconds(100)
    /// How long a key read waits when nothing needs drawing (also the inbox latency).
    static let idleWait: Duration = .milliseconds(50)

    /// Runs on a dedicated thread until `q`, SIGINT or SIGTERM; the terminal is restored before
    /// this returns, whatever happened.
    func runOnOwnThread() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    try run()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "aam-console-ui"
            thread.start()
        }
    }

    private func run() throws {
        let signals = TerminalSignals()
        let terminal = try Terminal(theme: initialTheme.theme, mouse: mouse)
        defer { terminal.stop() }
        var state = ConsoleState(now: Date(), screenSize: Self.size(of: terminal), themeName: initialTheme.theme.name, themeNames: themes.names)
        state.glyphs = GlyphSet(for: initialTheme.theme)
        if let warning = initialTheme.warnings.first {
            state.notify("theme: \(warning)" + (initialTheme.warnings.count > 1 ? " (+\(initialTheme.warnings.count - 1) more)" : ""), isError: true)
        }
        let clock = ContinuousClock()
        var lastFrame = clock.now - Self.frameInterval
        while signals.pending == nil {
            var effects: [ConsoleEffect] = []
            for item in inbox.drain() {
                switch item {
                case .connecting: state.connecting()
                case .connected(let daemon): effects += state.connected(to: daemon)
                case .messages(let messages): for message in messages { effects += state.apply(message) }
                case .reply(let request, let reply): effects += state.answer(to: request, with: reply)
                case .failed(let request, let error): effects += state.requestFailed(request, error: error)
                case .lost(let reason, let retryAt): state.connectionLost(reason: reason, retryAt: retryAt)
                }
            }
            effects += state.tick(now: Date())
            guard execute(effects, state: &state, terminal: terminal) else { return }

            let now = clock.now
            if state.isDirty, now - lastFrame >= Self.frameInterval {
                terminal.draw(ConsoleRenderer.render(state))
                state.isDirty = false
                lastFrame = now
            }
            let untilFrame = state.isDirty ? Self.frameInterval - (now - lastFrame) : Self.idleWait
            let wait = max(.milliseconds(1), min(untilFrame, Self.idleWait))
            guard let input = terminal.read(timeoutMilliseconds: Int32(wait / .milliseconds(1))) else { continue }
            if input == .resize {
                terminal.invalidate()
                state.resize(to: Self.size(of: terminal))
            }
            if case .mouse(let event) = input {
                guard execute(state.handle(mouse: event), state: &state, terminal: terminal) else { return }
                continue
            }
            guard let key = input.consoleKey else { continue }
            guard execute(state.handle(key: key), state: &state, terminal: terminal) else { return }
        }
    }

    /// Carries out effects in order; false when the console should quit.
    private func execute(_ effects: [ConsoleEffect], state: inout ConsoleState, terminal: Terminal) -> Bool {
        for effect in effects {
            switch effect {
            case .redraw: state.isDirty = true
            case .quit: return false
            case .send(let message): link.send(message)
            case .applyTheme(let name):
                do {
                    let loaded = try themes.load(name)
                    terminal.setTheme(loaded.theme)
                    state.glyphs = GlyphSet(for: loaded.theme)
                    if let warning = loaded.warnings.first { state.notify("theme: \(warning)", isError: true) }
                } catch {
                    state.notify("\(error)", isError: true)
                }
                state.isDirty = true
            }
        }
        return true
    }

    static func size(of terminal: Terminal) -> ScreenSize {
        let (width, height) = terminal.size
        return ScreenSize(width: width, height: height)
    }
}

extension TerminalInput {
    /// The console's name for this input (nil for keys the console has no use for).
    var consoleKey: ConsoleKey? {
        switch self {
        case .character(let character): .character(character)
        case .up: .up
        case .down: .down
        case .left: .left
        case .right: .right
        case .mouse: nil
        case .pageUp: .pageUp
        case .pageDown: .pageDown
        case .home: .home
        case .end: .end
        case .enter: .enter
        case .escape: .escape
        case .tab: .tab
        case .backTab: .backTab
        case .backspace: .backspace
        case .delete: .delete
        case .resize: .resize
        }
    }
}

extension ConsoleState {
    /// Shows a local notice (theme warnings, a theme that failed to load) on the status line,
    /// through the state's own error path for messages that answer no request.
    mutating func notify(_ text: String, isError: Bool) {
        _ = apply(.failure(ControlError(code: isError ? .console : .note, message: text), id: nil))
    }
}
