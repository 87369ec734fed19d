import AAMCore
import AAMSecrets
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// The real `aam console` in a real terminal (tmux) against the real `aamd` on the sample
/// config: the operator's keys change what the daemon does, and what the screen says is true.
@Suite("Console in tmux", .serialized)
struct ConsoleTmuxTests {
    static let tmuxNote: Comment = "tmux is not installed: the console end-to-end tests are skipped (they run when CI is set)"

    @Test(.enabled(if: TmuxSession.mustRun, tmuxNote), .timeLimit(.minutes(3)))
    func liveRowsDrainFromTheKeyboardRotateAKeyAndQuit() async throws {
        let directory = try ConsoleTestDaemon.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let identity = ConsoleTestDaemon.Identity()
        let daemon = try await ConsoleTestDaemon.start(in: directory, identity: identity)
        defer { daemon.stop() }
        let tmux = try TmuxSession(command: ConsoleTestDaemon.consoleCommand(directory: directory))
        defer { tmux.kill() }

        // Connected: the Live view, fed by the live subscription.
        try #require(await tmux.waitFor("Live") != nil, "the console did not start:\n\(tmux.capture())\n\(ConsoleTestDaemon.consoleErrors(directory))")
        #expect(!tmux.capture().contains("reasoning-high"), "no call yet")
        // Served or not (the simulated vendors fail now and then), every call is a live row.
        for _ in 0..<4 { _ = try await daemon.call(alias: "reasoning-high", key: identity.demoKey) }
        let live = await tmux.waitFor("reasoning-high")
        #expect(live != nil, "calls appear as live rows:\n\(tmux.capture())")

        // Drain sim-openai-east from the Providers view: `fast` is then served by west only.
        var before = Set<String>()
        for _ in 0..<24 { before.insert(try await daemon.call(alias: "fast", key: identity.demoKey).provider ?? "-") }
        #expect(before.contains("sim-openai-east"), "east serves fast before the drain: \(before)")
        tmux.send("3")
        try #require(await tmux.waitFor("sim-openai-east") != nil, "providers view:\n\(tmux.capture())")
        tmux.send("/")
        tmux.type("sim-openai-east")
        tmux.send("Enter")
        tmux.send("d")
        let question = await tmux.waitFor("Drain provider sim-openai-east?")
        try #require(question != nil, "drain confirmation:\n\(tmux.capture())")
        tmux.send("y")
        // The view re-reads the daemon after the command: the deployment shows drained.
        let drained = await tmux.waitForScreen { screen in
            screen.split(separator: "\n").contains { $0.contains("fast.sim-openai-east") && $0.contains("drained") }
        }
        try #require(drained != nil, "the daemon's answer is on screen:\n\(tmux.capture())")
        var after = Set<String>()
        for _ in 0..<16 {
            let reply = try await daemon.call(alias: "fast", key: identity.demoKey)
            #expect(reply.status == 200)
            after.insert(reply.provider ?? "-")
        }
        // West serves the alias now (or, when west's simulated errors strike, the fallback alias).
        #expect(!after.contains("sim-openai-east"), "a drained provider gets no new calls: \(after)")
        #expect(after.contains("sim-openai-west"), "the other deployment takes the traffic: \(after)")
        tmux.send("Escape")  // clear the filter

        // `t` switches theme live (dark -> light), and says so.
        tmux.send("t")
        #expect(await tmux.waitFor("theme: light") != nil, "theme switch:\n\(tmux.capture())")

        // `8` opens Replicas: a daemon on SQLite is a single node and lists itself alone.
        tmux.send("8")
        #expect(await tmux.waitFor("Single node (SQLite)") != nil, "replicas view:\n\(tmux.capture())")
        #expect(tmux.capture().contains("* single-node"), "replicas view:\n\(tmux.capture())")

        // Rotate the demo key from the Keys view with a short grace period.
        tmux.send("5")
        try #require(await tmux.waitFor("demo") != nil, "keys view:\n\(tmux.capture())")
        tmux.send("r")
        try #require(await tmux.waitFor("Grace period") != nil, "rotate prompt:\n\(tmux.capture())")
        tmux.send("BSpace", "BSpace", "BSpace", "BSpace", "BSpace")
        tmux.type("\(ConsoleTestDaemon.graceSeconds)")
        tmux.send("Enter")
        let modal = await tmux.waitForScreen { Self.secret(on: $0, other: identity.demoKey) != nil }
        let rotatedAt = ContinuousClock.now
        let newSecret = try #require(modal.flatMap { Self.secret(on: $0, other: identity.demoKey) }, "the new secret is shown once:\n\(tmux.capture())")
        #expect(try await daemon.call(alias: "fast", key: newSecret).status == 200, "the new secret works")
        #expect(try await daemon.call(alias: "fast", key: identity.demoKey).status == 200, "the old one works during its grace period")
        var oldStatus = 200
        let deadline = ContinuousClock.now + .seconds(ConsoleTestDaemon.graceSeconds + 15)
        while oldStatus == 200, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            oldStatus = try await daemon.call(alias: "fast", key: identity.demoKey).status
        }
        #expect(oldStatus == 401, "the old secret stops working after the grace period")
        #expect(ContinuousClock.now - rotatedAt >= .seconds(ConsoleTestDaemon.graceSeconds - 1), "…and not before it")
        #expect(try await daemon.call(alias: "fast", key: newSecret).status == 200)
        tmux.send("Escape")  // dismiss the secret
        let dismissed = await tmux.waitForScreen { !$0.contains(newSecret) }
        #expect(dismissed != nil, "the secret leaves the screen when dismissed")

        // `q` quits: the console process ends, and with it the tmux session.
        tmux.send("q")
        let deadlineQuit = ContinuousClock.now + .seconds(10)
        while tmux.isRunning, ContinuousClock.now < deadlineQuit { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!tmux.isRunning, "q ends the console")
        #expect(!daemon.runner.allOutput.contains(newSecret), "the daemon never logs the secret")
    }

    @Test(.enabled(if: TmuxSession.mustRun, tmuxNote), .timeLimit(.minutes(3)))
    func saysWhenTheDaemonIsGoneAndReconnectsByItself() async throws {
        let directory = try ConsoleTestDaemon.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let identity = ConsoleTestDaemon.Identity()
        var daemon = try await ConsoleTestDaemon.start(in: directory, identity: identity)
        defer { daemon.stop() }
        let tmux = try TmuxSession(command: ConsoleTestDaemon.consoleCommand(directory: directory))
        defer { tmux.kill() }
        try #require(await tmux.waitFor("Live") != nil, "the console did not start:\n\(tmux.capture())\n\(ConsoleTestDaemon.consoleErrors(directory))")
        _ = try await daemon.call(alias: "smart", key: identity.demoKey)
        try #require(await tmux.waitFor("smart") != nil, "live row before the restart:\n\(tmux.capture())")

        daemon.runner.signal(SIGKILL)
        _ = await daemon.runner.waitForExit()
        let gone = await tmux.waitFor("daemon gone")
        #expect(gone != nil, "the console says the daemon went away:\n\(tmux.capture())")
        #expect(gone?.contains("retrying in") == true, "…and that it will reconnect:\n\(gone ?? "")")

        daemon = try await ConsoleTestDaemon.start(in: directory, identity: identity)
        // Reconnected and resubscribed: a call made after the restart shows up live.
        // The status line names the daemon it is connected to: the new one, by its pid.
        let reconnected = await tmux.waitForScreen(timeout: .seconds(30)) { $0.contains("● connected") && $0.contains("pid \(daemon.runner.pid)") }
        #expect(reconnected != nil, "the console reconnects by itself:\n\(tmux.capture())")
        for _ in 0..<3 { _ = try await daemon.call(alias: "summarization", key: identity.demoKey) }
        let fresh = await tmux.waitFor("summarization")
        #expect(fresh != nil, "events flow again after the reconnect:\n\(tmux.capture())")

        // Resizing redraws at the new size; below 80x24 the console says it is too small.
        tmux.resize(width: 70, height: 20)
        #expect(await tmux.waitFor("terminal too small") != nil, "resize to 70x20:\n\(tmux.capture())")
        tmux.resize(width: 100, height: 30)
        let back = await tmux.waitForScreen { $0.contains("summarization") && !$0.contains("terminal too small") }
        #expect(back != nil, "back to a usable size:\n\(tmux.capture())")

        // Ctrl-C (SIGINT) ends the console cleanly, like q.
        tmux.send("C-c")
        let deadline = ContinuousClock.now + .seconds(10)
        while tmux.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!tmux.isRunning, "Ctrl-C ends the console")
    }

    @Test(.enabled(if: TmuxSession.mustRun, tmuxNote), .timeLimit(.minutes(2)))
    func aamDemoOpensTheConsoleOnATerminalAndQuittingEndsTheDemo() async throws {
        let directory = try ConsoleTestDaemon.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let aam = ProcessRunner.binaryDirectory.appendingPathComponent("aam").path
        let root = PersistenceTests.repositoryRoot.path
        // The shell stays after the demo so its last words can be read; the test ends the server.
        let tmux = try TmuxSession(command: "cd \(root) && \(aam) demo --port 0 --rate 10 --data-dir \(directory.path); echo demo-exit=$?; sleep 60")
        defer { tmux.kill() }
        let live = await tmux.waitForScreen(timeout: .seconds(30)) { $0.contains("● connected") && $0.contains("sk-aam-") }
        #expect(live != nil, "the demo's traffic shows in the console:\n\(tmux.capture())")
        tmux.send("q")
        let ended = await tmux.waitFor("demo-exit=0", timeout: .seconds(20))
        #expect(ended?.contains("demo stopped") == true, "q ends the demo:\n\(tmux.capture())")
    }

    @Test func refusesWithoutATerminalAndNamesTheAvailableThemes() async throws {
        let themes = PersistenceTests.repositoryRoot.appendingPathComponent("themes").path
        let unknown = try ProcessRunner("aam", arguments: ["console", "--theme", "neon", "--themes-dir", themes], environment: [:])
        #expect(await unknown.waitForExit() == 2)
        #expect(unknown.allOutput.contains("aam console: unknown theme 'neon': available themes are dark, light, mono"), "\(unknown.allOutput)")
        let noTTY = try ProcessRunner("aam", arguments: ["console", "--socket", "/nonexistent/control.sock"], environment: [:])
        #expect(await noTTY.waitForExit() == 2)
        #expect(noTTY.allOutput.contains("aam console: needs a terminal"), "\(noTTY.allOutput)")
    }

    /// A virtual-key secret on screen other than `other`.
    static func secret(on screen: String, other: String) -> String? {
        let pattern = /sk-aam-[A-Za-z0-9]{40}/
        return screen.matches(of: pattern).map { String($0.output) }.first { $0 != other }
    }
}

/// One real `aamd` on the sample config, with its own data folder and control socket.
struct ConsoleTestDaemon {
    static let graceSeconds = 3

    /// What survives a restart: the master key (the database is sealed with it) and the demo key.
    struct Identity {
        let masterKey = MasterKey.generateBase64()
        let demoKey = VirtualKeyFormat.generate()
    }

    let runner: ProcessRunner
    let base: String

    static func temporaryDirectory() throws -> URL {
        // Short: a Unix socket path must fit in 108 bytes.
        let url = URL(fileURLWithPath: "/tmp/aam-con-\(Identifiers.random(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func start(in directory: URL, identity: Identity) async throws -> ConsoleTestDaemon {
        var config = directory.appendingPathComponent("aam.yaml")
        if !FileManager.default.fileExists(atPath: config.path) {
            config = try DaemonProcessTests.copySampleConfig(into: directory)
        }
        let socket = directory.appendingPathComponent("control.sock").path
        let runner = try ProcessRunner(
            "aamd",
            arguments: [
                "--config", config.path, "--listen", "127.0.0.1:0", "--database", "sqlite:\(directory.path)/aam.db",
                "--control-socket", socket, "--log-level", "info",
            ],
            environment: ["AAM_MASTER_KEY": identity.masterKey, "AAM_DEMO_KEY": identity.demoKey, "AAM_DEMO_MCP_TOKEN": "console-mcp-token", "AAM_ADMIN_TOKEN": "console-admin"],
            directory: directory)
        let listening = try #require(await runner.firstLine(containing: "aamd listening"), "\(runner.allOutput)")
        let address = try #require(listening.split(separator: " ").first { $0.hasPrefix("address=") })
        let port = try #require(address.split(separator: ":").last.flatMap { Int($0) })
        // The control socket is bound during boot; wait for the file as the console would.
        let deadline = ContinuousClock.now + .seconds(10)
        while !FileManager.default.fileExists(atPath: socket), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        return ConsoleTestDaemon(runner: runner, base: "http://127.0.0.1:\(port)")
    }

    /// `aam console` on this folder's socket, its errors kept in a file for failure messages.
    static func consoleCommand(directory: URL) -> String {
        let aam = ProcessRunner.binaryDirectory.appendingPathComponent("aam").path
        let themes = PersistenceTests.repositoryRoot.appendingPathComponent("themes").path
        return "cd \(directory.path) && exec \(aam) console --socket \(directory.path)/control.sock --themes-dir \(themes) 2>\(directory.path)/console.err"
    }

    static func consoleErrors(_ directory: URL) -> String {
        (try? String(contentsOf: directory.appendingPathComponent("console.err"), encoding: .utf8)) ?? ""
    }

    func stop() {
        if runner.process.isRunning {
            runner.signal(SIGKILL)
            runner.process.waitUntilExit()
        }
    }

    /// One chat call; the status and the provider that served it (`x-aam-provider`).
    func call(alias: String, key: String) async throws -> (status: Int, provider: String?) {
        var request = HTTPClientRequest(url: base + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"model":"\#(alias)","messages":[{"role":"user","content":"hi"}]}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
        _ = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "x-aam-provider"))
    }
}
