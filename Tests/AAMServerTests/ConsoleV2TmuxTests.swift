import Foundation
import Testing

/// Console v2 in a real terminal against the real `aamd`: the trend strip fills as calls are
/// made, the `:` palette switches views and asks before draining, `s`/`S` sort and say so in
/// the header, and a mouse click (the terminal's own report) opens a tab and sorts a column.
@Suite("Console v2 in tmux", .serialized)
struct ConsoleV2TmuxTests {
    @Test(.enabled(if: TmuxSession.mustRun, ConsoleTmuxTests.tmuxNote), .timeLimit(.minutes(3)))
    func trendStripPaletteSortAndMouse() async throws {
        let directory = try ConsoleTestDaemon.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let identity = ConsoleTestDaemon.Identity()
        let daemon = try await ConsoleTestDaemon.start(in: directory, identity: identity)
        defer { daemon.stop() }
        let tmux = try TmuxSession(command: ConsoleTestDaemon.consoleCommand(directory: directory))
        defer { tmux.kill() }
        try #require(await tmux.waitFor("req/s") != nil, "the trend strip:\n\(tmux.capture())\n\(ConsoleTestDaemon.consoleErrors(directory))")

        // The strip fills: calls now show as a request rate once their 10 s interval is complete
        // and the daemon's next trend event (every 2 s) has reached the console.
        for _ in 0..<12 { _ = try await daemon.call(alias: "fast", key: identity.demoKey) }
        let filled = await tmux.waitForScreen(timeout: .seconds(40)) { screen in
            guard let strip = screen.split(separator: "\n").dropFirst().first, let rate = Self.figure(after: "req/s", in: String(strip)) else {
                return false
            }
            return rate > 0
        }
        try #require(filled != nil, "the strip shows the calls' rate:\n\(tmux.capture())")

        // The palette: `:prov` + Tab completes, Enter opens Providers.
        tmux.type(":prov")
        tmux.send("Tab")
        #expect(await tmux.waitFor(":providers") != nil, "completed:\n\(tmux.capture())")
        tmux.send("Enter")
        try #require(await tmux.waitFor("sim-openai-east") != nil, "providers view:\n\(tmux.capture())")
        // `:drain NAME` asks first; `n` leaves it undrained.
        tmux.type(":drain sim-openai-w")
        tmux.send("Tab")
        tmux.send("Enter")
        #expect(await tmux.waitFor("Drain provider sim-openai-west?") != nil, "drain confirmation:\n\(tmux.capture())")
        tmux.send("n")
        #expect(await tmux.waitFor("cancelled") != nil)

        // Sorting: `s` sorts by the first column, `S` reverses; the header says which.
        tmux.send("s")
        #expect(await tmux.waitFor("Deployment▲") != nil, "sorted ascending:\n\(tmux.capture())")
        tmux.send("S")
        #expect(await tmux.waitFor("Deployment▼") != nil, "sorted descending:\n\(tmux.capture())")

        // The mouse: a click on the Keys tab opens it; a click on the State header sorts by it.
        let header = try #require(tmux.capture().split(separator: "\n").first.map(String.init))
        let keysTab = try #require(header.range(of: "5 Keys"))
        tmux.click(row: 0, column: header.distance(from: header.startIndex, to: keysTab.lowerBound) + 2)
        let keys = await tmux.waitForScreen { $0.contains("Prefix") && $0.contains("Last used") }
        try #require(keys != nil, "a click on the tab opens Keys:\n\(tmux.capture())")
        let columnsLine = try #require(tmux.capture().split(separator: "\n").first { $0.contains("Prefix") }.map(String.init))
        let stateTitle = try #require(columnsLine.range(of: "State"))
        let row = try #require(tmux.capture().split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("Prefix") })
        tmux.click(row: row, column: columnsLine.distance(from: columnsLine.startIndex, to: stateTitle.lowerBound) + 1)
        #expect(await tmux.waitFor("State▲") != nil, "a click on the header sorts:\n\(tmux.capture())")
        tmux.send("q")
    }

    @Test(.enabled(if: TmuxSession.mustRun, ConsoleTmuxTests.tmuxNote), .timeLimit(.minutes(3)))
    func theStripFillsAsTheDemoRunsAndProvidersShowTheirTrends() async throws {
        let directory = try ConsoleTestDaemon.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let aam = ProcessRunner.binaryDirectory.appendingPathComponent("aam").path
        let root = PersistenceTests.repositoryRoot.path
        // NO_COLOR: the demo's console starts on the mono theme, so its trends are ASCII.
        let tmux = try TmuxSession(
            command: "cd \(root) && NO_COLOR=1 \(aam) demo --port 0 --rate 10 --data-dir \(directory.path); echo demo-exit=$?; sleep 60")
        defer { tmux.kill() }
        // A complete 10 s interval of the demo's traffic, pushed by the daemon's trend ticker.
        let filled = await tmux.waitForScreen(timeout: .seconds(60)) { screen in
            guard let strip = screen.split(separator: "\n").dropFirst().first, let rate = Self.figure(after: "req/s", in: String(strip)) else {
                return false
            }
            return rate > 0
        }
        try #require(filled != nil, "the strip fills as the demo runs:\n\(tmux.capture())")
        let strip = try #require(tmux.capture().split(separator: "\n").dropFirst().first.map(String.init))
        #expect(strip.unicodeScalars.allSatisfy { $0.isASCII }, "mono (NO_COLOR) draws trends in ASCII: \(strip)")
        #expect(strip.contains("err") && strip.contains("p95") && strip.contains("$/h"))
        // Providers at 120 columns has the per-deployment trend columns, filled for the demo's deployments.
        tmux.send("3")
        let trends = await tmux.waitForScreen { $0.contains("p95 trend") && $0.contains("Err trend") && $0.contains("sim-openai-east") }
        #expect(trends != nil, "providers trends:\n\(tmux.capture())")
        tmux.send("q")
        #expect(await tmux.waitFor("demo-exit=0", timeout: .seconds(20)) != nil, "q ends the demo:\n\(tmux.capture())")
    }

    @Test(.enabled(if: TmuxSession.mustRun, ConsoleTmuxTests.tmuxNote), .timeLimit(.minutes(2)))
    func trueColorDrawsTheThemesExactColorsThroughADirectDescription() async throws {
        let directory = try ConsoleTestDaemon.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let terminfo = try Self.compileDirectTerminfo(into: directory)
        let identity = ConsoleTestDaemon.Identity()
        let daemon = try await ConsoleTestDaemon.start(in: directory, identity: identity)
        defer { daemon.stop() }
        let console = ConsoleTestDaemon.consoleCommand(directory: directory)
        // Inside tmux TERM is tmux-256color: COLORTERM=truecolor makes the console use its
        // `-direct` sibling, found here through TERMINFO.
        let direct = try TmuxSession(command: console.replacingOccurrences(of: "exec ", with: "exec env TERMINFO=\(terminfo) COLORTERM=truecolor "))
        defer { direct.kill() }
        try #require(await direct.waitFor("● connected") != nil, "\(direct.capture())\n\(ConsoleTestDaemon.consoleErrors(directory))")
        let colors = direct.captureWithEscapes()
        // dark.theme: title #88c0d0, background #1c1f24, exactly.
        #expect(colors.contains("38;2;136;192;208") && colors.contains("48;2;28;31;36"), "24-bit colors:\n\(colors.prefix(600))")
        direct.kill()
        // Without COLORTERM the same description is not asked for: the 256-color palette.
        let palette = try TmuxSession(command: console.replacingOccurrences(of: "exec ", with: "exec env TERMINFO=\(terminfo) "))
        defer { palette.kill() }
        try #require(await palette.waitFor("● connected") != nil, "\(palette.capture())")
        #expect(!palette.captureWithEscapes().contains("38;2;"), "no 24-bit colors without COLORTERM")
    }

    /// A `tmux-direct` description (tmux-256color with `RGB` and direct-color setaf/setab, as
    /// ncurses' own `*-direct` entries) compiled into `directory/terminfo` with `tic`.
    static func compileDirectTerminfo(into directory: URL) throws -> String {
        let output = directory.appendingPathComponent("terminfo").path
        let base = try Self.run("/usr/bin/env", ["infocmp", "-x", "tmux-256color"])
        var lines = base.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let nameLine = try #require(lines.firstIndex { !$0.hasPrefix("#") && !$0.isEmpty })
        lines[nameLine] = "tmux-direct|tmux with direct color (test),"
        var source = lines.joined(separator: "\n")
        for (pattern, replacement) in [
            (#"colors#\d+"#, "colors#0x1000000"), (#"pairs#[0-9x]+"#, "pairs#0x10000"),
            (#"setaf=[^,]*,"#, #"setaf=\E[%?%p1%{8}%<%t3%p1%d%e38;2;%p1%{65536}%/%d;%p1%{256}%/%{255}%&%d;%p1%{255}%&%d%;m,"#),
            (#"setab=[^,]*,"#, #"setab=\E[%?%p1%{8}%<%t4%p1%d%e48;2;%p1%{65536}%/%d;%p1%{256}%/%{255}%&%d;%p1%{255}%&%d%;m,"#),
        ] {
            source = source.replacingOccurrences(of: pattern, with: replacement.replacingOccurrences(of: "\\", with: "\\\\"), options: .regularExpression)
        }
        source = source.replacingOccurrences(of: " am,", with: " RGB, am,")
        let file = directory.appendingPathComponent("tmux-direct.src")
        try source.write(to: file, atomically: true, encoding: .utf8)
        _ = try Self.run("/usr/bin/env", ["tic", "-x", "-o", output, file.path])
        return output
    }

    /// Runs a tool to its end (Foundation's Process closes inherited descriptors) and returns its output.
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The number after `label` on the strip ("req/s    1.2" -> 1.2; "—" -> nil).
    static func figure(after label: String, in line: String) -> Double? {
        guard let range = line.range(of: label) else { return nil }
        let rest = line[range.upperBound...].drop { $0 == " " }
        let number = rest.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(number) else { return nil }
        return rest.dropFirst(number.count).first == "k" ? value * 1000 : value
    }
}
