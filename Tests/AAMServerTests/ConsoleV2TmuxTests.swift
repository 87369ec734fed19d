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

    /// The number after `label` on the strip ("req/s    1.2" -> 1.2; "—" -> nil).
    static func figure(after label: String, in line: String) -> Double? {
        guard let range = line.range(of: label) else { return nil }
        let rest = line[range.upperBound...].drop { $0 == " " }
        let number = rest.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(number) else { return nil }
        return rest.dropFirst(number.count).first == "k" ? value * 1000 : value
    }
}
