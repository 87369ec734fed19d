import AAMCore
import Foundation

/// A real terminal for end-to-end console tests: a private tmux server (its own `-L` socket,
/// no user config) running one command in a detached session of a fixed size. The test reads
/// the screen with `capture-pane` and types with `send-keys`; `kill()` (also run on deinit)
/// ends the server and everything in it.
final class TmuxSession: Sendable {
    let server: String
    let session = "console"
    /// The tmux server's pid and the pane command's, so `kill()` can end them even if the
    /// server no longer answers on its socket.
    let serverPID: pid_t?
    let commandPID: pid_t?

    /// tmux on PATH. Without it the end-to-end console tests skip, unless `CI` is set (then they
    /// must run, and fail loudly).
    static var isAvailable: Bool { run(["-V"]).status == 0 }
    static var mustRun: Bool { isAvailable || ProcessInfo.processInfo.environment["CI"] != nil }

    init(command: String, width: Int = 120, height: Int = 40) throws {
        server = "aam-test-\(Identifiers.random(8))"
        let result = Self.run(["-L", server, "-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", command])
        guard result.status == 0 else { throw TmuxError(message: "tmux new-session failed (\(result.status)): \(result.output)") }
        let pids = Self.run(["-L", server, "display-message", "-p", "-t", session, "#{pid} #{pane_pid}"]).output
            .split(whereSeparator: \.isWhitespace).map { pid_t($0) }
        serverPID = pids.first ?? nil
        commandPID = pids.count > 1 ? pids[1] : nil
    }

    deinit { kill() }

    /// The visible screen, one line per row.
    func capture() -> String {
        Self.run(["-L", server, "capture-pane", "-p", "-t", session]).output
    }

    /// The visible screen with its colors and attributes as escape sequences (`capture-pane -e`).
    func captureWithEscapes() -> String {
        Self.run(["-L", server, "capture-pane", "-e", "-p", "-t", session]).output
    }

    /// Sends tmux key names (`Enter`, `Escape`, `Down`, `BTab`, `q` …), one argument each.
    func send(_ keys: String...) {
        _ = Self.run(["-L", server, "send-keys", "-t", session] + keys)
    }

    /// Types text literally.
    func type(_ text: String) {
        _ = Self.run(["-L", server, "send-keys", "-t", session, "-l", text])
    }

    /// Clicks the left button at a cell (0-based), as the terminal reports it to the program in
    /// the pane: the X10 mouse sequence `ESC [ M b x y` (what `tmux-256color`'s `kmous` names)
    /// for the press, then the release, sent as raw bytes in one write (as a terminal sends a
    /// quick click; split in two writes, curses held the press until the release came).
    func click(row: Int, column: Int) {
        let bytes = [0, 3].flatMap { button in [0x1B, 0x5B, 0x4D, 32 + button, 33 + column, 33 + row] }.map { String(format: "%02x", $0) }
        _ = Self.run(["-L", server, "send-keys", "-t", session, "-H"] + bytes)
    }

    /// Resizes the window: the command in it gets SIGWINCH, as when an operator drags the terminal.
    func resize(width: Int, height: Int) {
        _ = Self.run(["-L", server, "resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Whether the session (the command in it) is still running.
    var isRunning: Bool { Self.run(["-L", server, "has-session", "-t", session]).status == 0 }

    /// Polls the screen until `condition` holds (nil when the deadline passes first).
    func waitForScreen(timeout: Duration = .seconds(15), _ condition: (String) -> Bool) async -> String? {
        let deadline = ContinuousClock.now + timeout
        repeat {
            let screen = capture()
            if condition(screen) { return screen }
            try? await Task.sleep(for: .milliseconds(100))
        } while ContinuousClock.now < deadline
        return nil
    }

    /// Waits until the screen shows `text`.
    func waitFor(_ text: String, timeout: Duration = .seconds(15)) async -> String? {
        await waitForScreen(timeout: timeout) { $0.contains(text) }
    }

    func kill() {
        _ = Self.run(["-L", server, "kill-server"])
        // Belt and braces: a server that lost its socket ignores kill-server. Only processes that
        // are still this server and its pane's child are signalled (never a recycled pid).
        guard let serverPID, Self.commandLine(of: serverPID).contains(server) else { return }
        if let commandPID, Self.parent(of: commandPID) == serverPID { Foundation.kill(commandPID, SIGKILL) }
        Foundation.kill(serverPID, SIGKILL)
    }

    static func commandLine(of pid: pid_t) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    static func parent(of pid: pid_t) -> pid_t? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        // "pid (comm) state ppid …": the command name may hold spaces, so read after the last ')'.
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    struct TmuxError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Makes the spawned process close every descriptor above stderr.
    ///
    /// Why: SwiftNIO's sockets are not close-on-exec, and `new-session` forks the tmux server,
    /// which lives on after this test. It inherited the listening and accepted sockets of every
    /// other test running in this process at that moment: a syslog receiver that a SIEM test
    /// "stopped" kept listening inside tmux, so the gateway's reconnect succeeded into a socket
    /// nobody read, and events counted as delivered were lost (a CI failure that only the full,
    /// parallel run showed). Foundation's `Process` already closes them; raw `posix_spawn`
    /// does not. glibc 2.34+ has `posix_spawn_file_actions_addclosefrom_np`, which Swift's
    /// Glibc module does not import, so it is looked up at run time.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }

    /// Runs one tmux command to completion and returns its status and output.
    ///
    /// `posix_spawn` + `waitpid` rather than `Process`: `new-session` forks the tmux server,
    /// which inherits the client's descriptors (a pipe would never reach EOF), and Foundation's
    /// `waitUntilExit` was seen to hang with the client left a zombie. Output goes to a file.
    @discardableResult
    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        // Color conventions are the test's to set (in its command): `swift test` exports
        // NO_COLOR to the test process, which would start every console on the mono theme.
        let unset: Set<String> = ["TMUX", "NO_COLOR", "COLORTERM", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE"]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AAM_") && !unset.contains($0.key) }
        environment["LANG"] = "C.UTF-8"
        environment["LC_ALL"] = "C.UTF-8"
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("aam-tmux-\(Identifiers.random(10)).out").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        closeInheritedDescriptors(&actions)
        let argv = (["tmux"] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, "tmux", &actions, nil, argv, envp)
        guard spawned == 0 else { return (-1, "cannot run tmux: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS by hand (the macros do not import).
        let exitStatus: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
        return (exitStatus, output)
    }
}
