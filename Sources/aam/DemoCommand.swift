import AAMCore
import AAMSecrets
import AAMServer
import AAMTesting
import ArgumentParser
import Foundation
import Logging

/// `aam demo`: a complete local installation, offline: the daemon with the simulated providers
/// of `sample-data/aam.yaml`, a traffic generator over real loopback HTTP, an AI agent (a
/// workload with a JWT-SVID from the demo's own trust domain) calling models and the fake CRM
/// MCP server through the broker, and the operator console on the demo's control socket (or,
/// without a terminal, `--no-console` or with `--duration`, a live one-line summary). Quitting
/// the console ends the demo.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run a complete offline installation: daemon, simulated vendors, traffic.")

    @Option(help: "The demo config.") var config: String = "sample-data/aam.yaml"
    @Option(help: "Listen port on 127.0.0.1 (0 picks a free one).") var port: Int = 8080
    @Option(name: .customLong("data-dir"), help: "Where the demo keeps its database and generated secrets.")
    var dataDir: String = "./aam-data/demo"
    @Option(help: "Requests per second sent by the traffic generator (0 for none).") var rate: Double = 4
    @Option(help: "Stop after this many seconds (0 runs until Ctrl-C).") var duration: Double = 0
    @Flag(name: .customLong("no-console"), help: "Print a live summary instead of opening the console.") var noConsole = false
    @Option(help: "Console theme (default dark; mono when NO_COLOR is set).") var theme: String?
    @Flag(name: .customLong("no-mouse"), help: "Leave the mouse to the terminal (no clicks or wheel in the console).") var noMouse = false

    /// The console needs a terminal; scripted runs (`--duration`) keep the plain summary.
    var opensConsole: Bool { !noConsole && duration == 0 && isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: config) else {
            throw CLIError("cannot find \(config): run `aam demo` from the repository root or pass --config")
        }
        let secrets = try DemoSecrets.prepare(in: dataDir)
        let agent = try DemoAgentIdentity.prepare(in: dataDir)
        // The CRM the agent's tools live on: a fake MCP server in this process, on loopback.
        let crm: FakeMCPServer
        do { crm = try await FakeMCPServer.start() } catch { throw CLIError("cannot start the demo's MCP server on 127.0.0.1: \(error)") }
        // The simulated Gemini route: the Gemini fake in this process, on loopback.
        let gemini: DemoGemini
        do { gemini = try await DemoGemini.start() } catch {
            await crm.stop()
            throw CLIError("cannot start the demo's Gemini fake on 127.0.0.1: \(error)")
        }
        // The simulated Bedrock route: the Bedrock fake in this process, on loopback.
        let bedrock: DemoBedrock
        do { bedrock = try await DemoBedrock.start() } catch {
            await crm.stop()
            await gemini.stop()
            throw CLIError("cannot start the demo's Bedrock fake on 127.0.0.1: \(error)")
        }
        do {
            try await run(secrets: secrets, agent: agent, crm: crm, gemini: gemini, bedrock: bedrock)
        } catch {
            await crm.stop()
            await gemini.stop()
            await bedrock.stop()
            throw error
        }
        await crm.stop()
        await gemini.stop()
        await bedrock.stop()
        print("demo stopped")
    }

    private func run(secrets: DemoSecrets, agent: DemoAgentIdentity, crm: FakeMCPServer, gemini: DemoGemini, bedrock: DemoBedrock) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["AAM_DEMO_KEY"] = secrets.demoKey
        environment["AAM_ADMIN_TOKEN"] = secrets.adminToken
        environment["AAM_DEMO_MCP_URL"] = crm.url
        environment["AAM_DEMO_MCP_TOKEN"] = secrets.mcpToken
        var options = DaemonOptions(masterKey: try MasterKey(base64: secrets.masterKey), environment: environment)
        options.port = port
        options.configPath = config
        options.database = "sqlite:\(dataDir)/aam.db"
        options.controlSocket = "\(dataDir)/control.sock"
        options.workloads.trustBundleDirectory = agent.bundleDirectory
        // The demo's CRM (a fake MCP server) runs in this process, on loopback.
        options.allowLoopbackUpstreams = true
        // The first JWT-SVID (and agent.jwt) exists before the banner points at it.
        _ = try await agent.token()
        let console = opensConsole
        if console {
            // Curses owns the screen: the daemon's warnings go to a file instead of over it.
            try DemoLog.redirectStandardError(to: "\(dataDir)/demo.log")
        }
        LogSetup.bootstrap(level: "warning", format: "text")
        let logger = Logger(label: "aam-demo")
        let gateway: Gateway
        do { gateway = try await Gateway.build(options: options, logger: logger) } catch let error as StartupError {
            throw CLIError(error.message)
        }
        let summary = DemoSummary(bus: gateway.runtime.bus)
        let (started, startedContinuation) = AsyncStream<Int>.makeStream()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // With the console, Ctrl-C reaches the console (which restores the terminal first).
                try await gateway.run(handleSignals: !console) { port in startedContinuation.yield(port); startedContinuation.finish() }
            }
            var iterator = started.makeAsyncIterator()
            guard let boundPort = await iterator.next() else { return }
            let base = "http://127.0.0.1:\(boundPort)"
            do { try await gemini.register(base: base, adminToken: secrets.adminToken) } catch {
                // The rest of the demo does not need it.
                FileHandle.standardError.write(Data("aam demo: no Gemini route: \(error)\n".utf8))
            }
            do { try await bedrock.register(base: base, adminToken: secrets.adminToken) } catch {
                FileHandle.standardError.write(Data("aam demo: no Bedrock route: \(error)\n".utf8))
            }
            if !console {
                DemoBanner.print(base: base, secrets: secrets, dataDir: dataDir, agentToken: agent.tokenPath)
                group.addTask { await summary.run() }
            }
            group.addTask { await agent.keepFresh() }
            if rate > 0 {
                group.addTask { await TrafficGenerator(baseURL: base, key: secrets.demoKey, rate: rate).run() }
            }
            if let interval = AgentTrafficGenerator.interval(forRate: rate) {
                group.addTask { await AgentTrafficGenerator(baseURL: base, identity: agent, interval: interval).run() }
            }
            if console {
                do {
                    try await ConsoleCommand.open(socket: options.controlSocket, theme: theme, themesDir: nil, mouse: !noMouse)
                } catch {
                    await gateway.stop()
                    throw error
                }
                await gateway.stop()
            } else if duration > 0 {
                try await Task.sleep(for: .seconds(duration))
                await gateway.stop()
            }
            // The gateway's task ends on SIGINT/SIGTERM (or the stop above); then stop the rest.
            try await group.next()
            group.cancelAll()
        }
        if !console { print("\n" + summary.line()) }
        if console {
            print("the demo's virtual key, admin token and agent JWT-SVID are in \(dataDir) (demo.key, admin.token, agent.jwt); its log in \(dataDir)/demo.log")
        }
    }
}

enum DemoLog {
    /// Points stderr (fd 2) at `path`, appending, so log lines never draw over the console.
    static func redirectStandardError(to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard descriptor >= 0 else { throw CLIError("cannot open \(path) for the demo's log") }
        dup2(descriptor, STDERR_FILENO)
        close(descriptor)
    }
}

/// The demo's generated secrets, kept in its data folder (mode 0600) so restarts reuse them.
struct DemoSecrets {
    let masterKey: String
    let adminToken: String
    let demoKey: String
    /// The CRM credential the broker injects into the agent's allowed tool calls.
    let mcpToken: String

    static func prepare(in directory: String) throws -> DemoSecrets {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func secret(_ name: String, _ make: () -> String) throws -> String {
            let path = "\(directory)/\(name)"
            if let data = FileManager.default.contents(atPath: path) {
                return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let value = make()
            guard FileManager.default.createFile(atPath: path, contents: Data((value + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CLIError("cannot write \(path)")
            }
            return value
        }
        return DemoSecrets(
            masterKey: try secret("master.key", MasterKey.generateBase64),
            adminToken: try secret("admin.token") { "adm-" + Identifiers.random(32) },
            demoKey: try secret("demo.key", VirtualKeyFormat.generate),
            mcpToken: try secret("mcp.token") { "crm-" + Identifiers.random(32) })
    }
}

enum DemoBanner {
    static func print(base: String, secrets: DemoSecrets, dataDir: String, agentToken: String) {
        Swift.print("""
            AAM demo is running at \(base) (simulated vendors, offline).

              virtual key   \(secrets.demoKey)
              admin token   \(secrets.adminToken)   (also in \(dataDir)/admin.token)

            Try it:
              curl -s \(base)/v1/chat/completions -H "Authorization: Bearer \(secrets.demoKey)" \\
                -H "content-type: application/json" -d '{"model":"fast","messages":[{"role":"user","content":"Hello"}]}'
              curl -s \(base)/admin/providers -H "Authorization: Bearer \(secrets.adminToken)"

            As the AI agent \(DemoAgentIdentity.spiffeId) (its JWT-SVID, renewed every few minutes, is in \(agentToken)):
              curl -s \(base)/v1/chat/completions -H "Authorization: Bearer $(cat \(agentToken))" \\
                -H "content-type: application/json" -d '{"model":"reasoning-high","messages":[{"role":"user","content":"Hello"}]}'
              curl -s \(base)/mcp/crm -H "Authorization: Bearer $(cat \(agentToken))" -H "content-type: application/json" \\
                -H "accept: application/json, text/event-stream" -H "MCP-Protocol-Version: \(MCPProtocol.statelessVersion)" \\
                -H "Mcp-Method: tools/call" -H "Mcp-Name: get_account" \\
                -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_account","arguments":{"id":"001Dn00000AcmeFin1"}}}'
            (with "smart", or export_accounts in both Mcp-Name and the body, the AgentPolicy denies)

            Ctrl-C stops the demo.

            """)
        // Before the live summary's direct writes: stdout is block-buffered when not a terminal.
        fflush(nil)
    }
}
